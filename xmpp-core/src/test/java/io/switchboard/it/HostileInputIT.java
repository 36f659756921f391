package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input over raw sockets (security.md A, B, C, D). Each case expects the RFC 6120 error, a
 * closed connection, nothing stored, nothing delivered, and a second client still served.
 */
class HostileInputIT {

    static final String D = TestServer.DOMAIN;
    static TestServer server;
    static final Jid VICTIM = Jid.of("victim@" + D);

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("auth.failures-before-delay", "1000"));
        server.addUser("attacker", "attacker-pw");
        server.addUser("victim", "victim-pw");
        server.addUser("witness", "witness-pw");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void nothingStoredAndStillServing() throws Exception {
        assertThat(server.server().storage().offline().count(VICTIM)).as("offline messages of the victim").isZero();
        assertThat(server.server().storage().rosters().load(VICTIM).items()).as("victim roster").isEmpty();
        assertThat(server.server().storage().users().count()).as("accounts").isEqualTo(3);
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.loginAndBind(server.clientSslContext(), D, "witness", "witness-pw", "check");
            c.send("<iq type='get' id='p1' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            XmlElement r = c.element(Ns.CLIENT, "iq");
            assertThat(r.attr("type")).isEqualTo("result");
        }
    }

    private static String header() {
        return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" + Ns.STREAMS
                + "' to='" + D + "' version='1.0'>";
    }

    /** A client logged in over TLS as the attacker. */
    private static RawClient attacker() throws Exception {
        return RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, "attacker", "attacker-pw", "r");
    }

    private static void expectStreamError(RawClient c, String condition) throws Exception {
        assertThat(c.streamError()).isEqualTo(condition);
        assertThat(c.awaitClosed()).as("connection closed").isTrue();
    }

    // ---- XML layer ----

    @Test
    void billionLaughsBeforeTheStreamIsRestrictedXml() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.send("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>"
                    + "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;'>]><stream:stream xmlns='jabber:client' xmlns:stream='"
                    + Ns.STREAMS + "' to='" + D + "' version='1.0'>&lol3;");
            expectStreamError(c, "restricted-xml");
        }
    }

    @Test
    void entitiesAndDtdsAfterAuthenticationAreRestrictedXml() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<message to='victim@" + D + "'><body>&xxe;</body></message>");
            expectStreamError(c, "restricted-xml");
        }
        try (RawClient c = attacker()) {
            c.send("<!DOCTYPE x SYSTEM 'file:///etc/passwd'><message to='victim@" + D + "'/>");
            expectStreamError(c, "restricted-xml");
        }
    }

    @Test
    void commentsAndProcessingInstructionsAreRestrictedXml() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<!-- hi --><message to='victim@" + D + "'><body>x</body></message>");
            expectStreamError(c, "restricted-xml");
        }
    }

    @Test
    void anOversizeStanzaIsAPolicyViolationBeforeItEnds() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<message to='victim@" + D + "'><body>");
            String chunk = "x".repeat(64 * 1024);
            for (int i = 0; i < 10; i++) {
                try {
                    c.send(chunk);
                } catch (IOException closed) {
                    break;
                }
            }
            expectStreamError(c, "policy-violation");
        }
    }

    @Test
    void anOversizeElementBeforeAuthenticationIsAPolicyViolation() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            c.header();
            c.element(Ns.STREAMS, "features");
            c.send("<starttls xmlns='" + Ns.TLS + "'><x>" + "y".repeat(9 * 1024) + "</x></starttls>");
            expectStreamError(c, "policy-violation");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"C043", "EDA080", "F4908080", "E08080", "80", "FF"})
    void invalidUtf8IsNotWellFormed(String hex) throws Exception {
        try (RawClient c = attacker()) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(("<message to='victim@" + D + "'><body>").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < hex.length(); i += 2) {
                o.write(Integer.parseInt(hex.substring(i, i + 2), 16));
            }
            o.writeBytes("</body></message>".getBytes(StandardCharsets.UTF_8));
            c.send(o.toByteArray());
            expectStreamError(c, "not-well-formed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"<message to='a' to='b'/>", "<message></mesage>", "<message a='<'/>",
            "<message><body>&#0;</body></message>"})
    void notWellFormedXmlIsRefused(String bad) throws Exception {
        try (RawClient c = attacker()) {
            c.send(bad);
            expectStreamError(c, "not-well-formed");
        }
    }

    @Test
    void unknownTopLevelElementsAreUnsupportedStanzaTypes() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<foo/>");
            expectStreamError(c, "unsupported-stanza-type");
        }
    }

    @Test
    void aWrongStreamNamespaceIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.send("<stream:stream xmlns='jabber:server' xmlns:stream='" + Ns.STREAMS + "' to='" + D + "' version='1.0'>");
            expectStreamError(c, "invalid-namespace");
        }
    }

    @Test
    void anUnknownHostIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open("unknown.test");
            expectStreamError(c, "host-unknown");
        }
    }

    @Test
    void compressionIsNeverAccepted() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<compress xmlns='http://jabber.org/protocol/compress'><method>zlib</method></compress>");
            XmlElement f = c.element();
            assertThat(f.is("http://jabber.org/protocol/compress", "failure")).isTrue();
        }
    }

    // ---- authentication ----

    @Test
    void authenticationBeforeTlsIsRefusedWithoutLookingAtCredentials() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            c.header();
            XmlElement f = c.element(Ns.STREAMS, "features");
            assertThat(f.child(Ns.TLS, "starttls").hasChild(Ns.TLS, "required")).isTrue();
            assertThat(f.child(Ns.SASL, "mechanisms")).isNull();
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>AHZpY3RpbQB2aWN0aW0tcHc=</auth>");
            expectStreamError(c, "policy-violation");
        }
    }

    @Test
    void registrationBeforeTlsIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            c.header();
            c.element(Ns.STREAMS, "features");
            c.send("<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>x</username>"
                    + "<password>y</password></query></iq>");
            expectStreamError(c, "policy-violation");
        }
    }

    @Test
    void starttlsWithPipelinedPlaintextNeverLetsThePlaintextAct() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            c.header();
            c.element(Ns.STREAMS, "features");
            c.send("<starttls xmlns='" + Ns.TLS + "'/><auth xmlns='" + Ns.SASL
                    + "' mechanism='PLAIN'>AHZpY3RpbQB2aWN0aW0tcHc=</auth><message to='victim@" + D + "'><body>injected</body></message>");
            assertThat(c.streamError()).isEqualTo("policy-violation");
            assertThat(c.awaitClosed()).isTrue();
        }
    }

    @Test
    void starttlsWithPlaintextInASecondSegmentNeverLetsItAct() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            c.header();
            c.element(Ns.STREAMS, "features");
            c.send("<starttls xmlns='" + Ns.TLS + "'/>");
            c.send("<message to='victim@" + D + "'><body>injected</body></message>");
            // Either refused at once, or the plaintext breaks the TLS handshake: never delivered.
            RawClient.Event e = c.next();
            if (e instanceof RawClient.Element el && el.element().is(Ns.TLS, "proceed")) {
                try {
                    c.startTls(server.clientSslContext(), D);
                    c.open(D);
                    c.header();
                    c.element(Ns.STREAMS, "features");
                } catch (IOException | AssertionError expected) {
                    // The server treated the injected bytes as a broken handshake and closed.
                }
            }
        }
    }

    @Test
    void repeatedFailedLoginsEndWithAPolicyViolation() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            for (int i = 0; i < 2; i++) {
                c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + plain("victim", "wrong" + i) + "</auth>");
                XmlElement f = c.element(Ns.SASL, "failure");
                assertThat(f.hasChild(Ns.SASL, "not-authorized")).isTrue();
            }
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + plain("victim", "wrong3") + "</auth>");
            c.element(Ns.SASL, "failure");
            expectStreamError(c, "policy-violation");
        }
    }

    @Test
    void unknownAndKnownUsersGetTheSameAnswer() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + plain("victim", "wrong") + "</auth>");
            XmlElement known = c.element(Ns.SASL, "failure");
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + plain("nobody-here", "wrong") + "</auth>");
            XmlElement unknown = c.element(Ns.SASL, "failure");
            assertThat(unknown).isEqualTo(known);
        }
    }

    @Test
    void plainWithAnotherUsersAuthzidIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            String cred = java.util.Base64.getEncoder().encodeToString(
                    ("victim@" + D + "\0attacker\0attacker-pw").getBytes(StandardCharsets.UTF_8));
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + cred + "</auth>");
            assertThat(c.element(Ns.SASL, "failure").hasChild(Ns.SASL, "invalid-authzid")).isTrue();
        }
    }

    @Test
    void stanzasBeforeAuthenticationAreNotAuthorized() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            c.send("<message to='victim@" + D + "'><body>hi</body></message>");
            expectStreamError(c, "not-authorized");
        }
    }

    @Test
    void bindingBeforeAuthenticationIsNotAuthorized() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            c.send("<iq type='set' id='b'><bind xmlns='" + Ns.BIND + "'/></iq>");
            expectStreamError(c, "not-authorized");
        }
    }

    @Test
    void anOverlongResourceIsABadRequest() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            c.plainLogin("attacker", "attacker-pw", D);
            c.send("<iq type='set' id='b'><bind xmlns='" + Ns.BIND + "'><resource>" + "r".repeat(2000)
                    + "</resource></bind></iq>");
            XmlElement r = c.element(Ns.CLIENT, "iq");
            assertThat(r.attr("type")).isEqualTo("error");
            assertThat(r.child(Ns.CLIENT, "error").hasChild("urn:ietf:params:xml:ns:xmpp-stanzas", "bad-request")).isTrue();
        }
    }

    // ---- addressing ----

    @Test
    void aForgedFromIsOverwritten() throws Exception {
        try (RawClient bob = RawClient.connect(server.c2sPort())) {
            bob.loginAndBind(server.clientSslContext(), D, "witness", "witness-pw", "w");
            bob.send("<presence/>");
            try (RawClient c = attacker()) {
                c.send("<message from='victim@" + D + "/x' to='witness@" + D + "/w' type='chat'><body>it is me</body></message>");
                XmlElement m = bob.element(Ns.CLIENT, "message");
                assertThat(m.attr("from")).isEqualTo("attacker@" + D + "/r");
            }
        }
    }

    @Test
    void aRosterPushForgedByAnotherUserChangesNothing() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<iq type='set' id='push' to='victim@" + D + "'><query xmlns='jabber:iq:roster'>"
                    + "<item jid='attacker@" + D + "' subscription='both'/></query></iq>");
            XmlElement r = c.element(Ns.CLIENT, "iq");
            assertThat(r.attr("type")).isEqualTo("error");
            assertThat(r.child(Ns.CLIENT, "error").childInNs("urn:ietf:params:xml:ns:xmpp-stanzas").local())
                    .isIn("forbidden", "service-unavailable");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"@" + D, "u@", "u@@" + D, "/r", "u@" + D + "/", "a b@" + D, "u\"@" + D})
    void malformedAddressesAreJidMalformed(String to) throws Exception {
        try (RawClient c = attacker()) {
            c.send("<message id='m' to='" + to.replace("\"", "&quot;") + "'><body>x</body></message>");
            XmlElement r = c.element(Ns.CLIENT, "message");
            assertThat(r.attr("type")).isEqualTo("error");
            assertThat(r.child(Ns.CLIENT, "error").hasChild("urn:ietf:params:xml:ns:xmpp-stanzas", "jid-malformed")).isTrue();
        }
    }

    @Test
    void anOverlongLocalpartIsJidMalformed() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<message id='m' to='" + "a".repeat(1024) + "@" + D + "'><body>x</body></message>");
            XmlElement r = c.element(Ns.CLIENT, "message");
            assertThat(r.child(Ns.CLIENT, "error").hasChild("urn:ietf:params:xml:ns:xmpp-stanzas", "jid-malformed")).isTrue();
        }
    }

    @Test
    void errorsAreNeverAnsweredWithErrors() throws Exception {
        try (RawClient c = attacker()) {
            c.send("<message type='error' id='e1' to='nobody@" + D + "'><error type='cancel'>"
                    + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
            c.send("<iq type='get' id='p2' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            XmlElement next = c.element();
            assertThat(next.attr("id")).isEqualTo("p2");
        }
    }

    static String plain(String user, String password) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }
}
