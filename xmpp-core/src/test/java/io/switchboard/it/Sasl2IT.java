package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.store.ScramHash;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.ScramClient;
import io.switchboard.testing.TestServer;
import io.switchboard.tls.TlsContexts;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Fast reconnects: SASL2 (XEP-0388), Bind2 (XEP-0386) with inline stream management, FAST (XEP-0484). */
class Sasl2IT {

    static final String D = TestServer.DOMAIN;
    static final String SASL2 = "urn:xmpp:sasl:2";
    static final String BIND2 = "urn:xmpp:bind:0";
    static final String FAST = "urn:xmpp:fast:0";
    static final String SM = "urn:xmpp:sm:3";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("c2s.resume-timeout", "1m"));
        for (String u : new String[]{"kiva", "sender", "nobind", "wrong"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Opens a stream up to the SASL2 feature. */
    static RawClient tls() throws Exception {
        RawClient c = RawClient.connect(server.c2sPort());
        XmlElement f = c.negotiateTls(server.clientSslContext(), D);
        XmlElement auth = f.child(SASL2, "authentication");
        assertThat(auth).isNotNull();
        assertThat(auth.child(SASL2, "inline").child(BIND2, "bind")).isNotNull();
        assertThat(auth.child(SASL2, "inline").child(FAST, "fast").elements()).extracting(XmlElement::text)
                .contains("HT-SHA-256-NONE", "HT-SHA-256-ENDP");
        return c;
    }

    /** SCRAM-SHA-256 through SASL2 with the given inline requests; returns the final element. */
    static XmlElement scram(RawClient c, String user, String password, String inline) throws Exception {
        ScramClient sc = new ScramClient(ScramHash.SHA_256, "n,,", null, user, password);
        c.send("<authenticate xmlns='" + SASL2 + "' mechanism='SCRAM-SHA-256'><initial-response>" + sc.first()
                + "</initial-response><user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'><software>Test</software>"
                + "<device>Kiva's Phone</device></user-agent>" + inline + "</authenticate>");
        XmlElement ch = c.element();
        if (!ch.is(SASL2, "challenge")) {
            return ch;
        }
        c.send("<response xmlns='" + SASL2 + "'>" + sc.last(ch.text()) + "</response>");
        XmlElement r = c.element();
        if (r.is(SASL2, "success")) {
            assertThat(sc.verifyServer(r.childText(SASL2, "additional-data"))).isTrue();
        }
        return r;
    }

    static String hmac(String token, String label, byte[] cb) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(label.getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(mac.doFinal(cb));
    }

    static String htResponse(String user, String token, byte[] cb) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update("Initiator".getBytes(StandardCharsets.US_ASCII));
        byte[] proof = mac.doFinal(cb);
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[u.length + 1 + proof.length];
        System.arraycopy(u, 0, all, 0, u.length);
        System.arraycopy(proof, 0, all, u.length + 1, proof.length);
        return Base64.getEncoder().encodeToString(all);
    }

    @Test
    void oneRoundTripToABoundSessionWithInlineFeaturesAndAToken() throws Exception {
        try (RawClient c = tls()) {
            XmlElement success = scram(c, "kiva", "kiva-pw", "<bind xmlns='" + BIND2 + "'><tag>AwesomeXMPP</tag>"
                    + "<enable xmlns='urn:xmpp:carbons:2'/><enable xmlns='" + SM + "' resume='true'/></bind>"
                    + "<request-token xmlns='" + FAST + "' mechanism='HT-SHA-256-NONE'/>");
            assertThat(success.is(SASL2, "success")).as(success.toString()).isTrue();
            Jid bound = Jid.of(success.childText(SASL2, "authorization-identifier"));
            assertThat(bound.bare().toString()).isEqualTo("kiva@" + D);
            assertThat(bound.resource()).startsWith("AwesomeXMPP.");
            assertThat(success.child(BIND2, "bound").child(SM, "enabled").attr("resume")).isEqualTo("true");
            XmlElement token = success.child(FAST, "token");
            assertThat(token.attr("token")).hasSizeGreaterThanOrEqualTo(40);
            assertThat(token.attr("expiry")).isNotBlank();
            // No stream restart: stanzas work at once.
            c.send("<iq type='get' id='p' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(c.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");

            // FAST: log in again with the token, no password.
            String t = token.attr("token");
            try (RawClient again = tls()) {
                again.send("<authenticate xmlns='" + SASL2 + "' mechanism='HT-SHA-256-NONE'><initial-response>"
                        + htResponse("kiva", t, new byte[0]) + "</initial-response>"
                        + "<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'/><fast xmlns='" + FAST + "' count='1'/>"
                        + "<bind xmlns='" + BIND2 + "'><tag>AwesomeXMPP</tag></bind></authenticate>");
                XmlElement ok = again.element();
                assertThat(ok.is(SASL2, "success")).as(ok.toString()).isTrue();
                assertThat(ok.childText(SASL2, "additional-data")).isEqualTo(hmac(t, "Responder", new byte[0]));
            }
            // The same count again is a replay.
            try (RawClient replay = tls()) {
                replay.send("<authenticate xmlns='" + SASL2 + "' mechanism='HT-SHA-256-NONE'><initial-response>"
                        + htResponse("kiva", t, new byte[0]) + "</initial-response>"
                        + "<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'/><fast xmlns='" + FAST + "' count='1'/>"
                        + "</authenticate>");
                assertThat(replay.element().is(SASL2, "failure")).isTrue();
            }
            // Another installation cannot use the token.
            try (RawClient other = tls()) {
                other.send("<authenticate xmlns='" + SASL2 + "' mechanism='HT-SHA-256-NONE'><initial-response>"
                        + htResponse("kiva", t, new byte[0]) + "</initial-response>"
                        + "<user-agent id='another-device'/></authenticate>");
                assertThat(other.element().is(SASL2, "failure")).isTrue();
            }
        }
    }

    @Test
    void fastWithChannelBinding() throws Exception {
        String t;
        try (RawClient c = tls()) {
            XmlElement s = scram(c, "kiva", "kiva-pw", "<request-token xmlns='" + FAST + "' mechanism='HT-SHA-256-ENDP'/>");
            t = s.child(FAST, "token").attr("token");
        }
        byte[] cb = TlsContexts.serverEndPoint(server.server().tls().material().certificate());
        try (RawClient c = tls()) {
            c.send("<authenticate xmlns='" + SASL2 + "' mechanism='HT-SHA-256-ENDP'><initial-response>"
                    + htResponse("kiva", t, cb) + "</initial-response><user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'/>"
                    + "</authenticate>");
            XmlElement ok = c.element();
            assertThat(ok.is(SASL2, "success")).as(ok.toString()).isTrue();
            assertThat(ok.childText(SASL2, "authorization-identifier")).isEqualTo("kiva@" + D);
        }
        try (RawClient c = tls()) {
            c.send("<authenticate xmlns='" + SASL2 + "' mechanism='HT-SHA-256-ENDP'><initial-response>"
                    + htResponse("kiva", t, new byte[32]) + "</initial-response><user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'/>"
                    + "</authenticate>");
            assertThat(c.element().is(SASL2, "failure")).isTrue();
        }
    }

    @Test
    void inlineResumptionGetsTheMissedStanzasAfterSuccess() throws Exception {
        RawClient first = tls();
        XmlElement s1 = scram(first, "kiva", "kiva-pw", "<bind xmlns='" + BIND2 + "'><tag>Phone</tag>"
                + "<enable xmlns='" + SM + "' resume='true'/></bind>");
        String id = s1.child(BIND2, "bound").child(SM, "enabled").attr("id");
        String full = s1.childText(SASL2, "authorization-identifier");
        try (RawClient sender = RawClient.connect(server.c2sPort())
                .loginAndBind(server.clientSslContext(), D, "sender", "sender-pw", "s")) {
            sender.send("<message type='chat' to='" + full + "'><body>one</body></message>");
            assertThat(first.element(Ns.CLIENT, "message").childText(Ns.CLIENT, "body")).isEqualTo("one");
            first.socket().close();
            sender.send("<message type='chat' to='" + full + "'><body>two</body></message>");
            sender.send("<iq type='get' id='b' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            sender.element(Ns.CLIENT, "iq");
            try (RawClient second = tls()) {
                XmlElement s2 = scram(second, "kiva", "kiva-pw", "<resume xmlns='" + SM + "' previd='" + id + "' h='1'/>");
                assertThat(s2.is(SASL2, "success")).as(s2.toString()).isTrue();
                assertThat(s2.childText(SASL2, "authorization-identifier")).isEqualTo(full);
                assertThat(s2.child(SM, "resumed").attr("h")).isEqualTo("0");
                assertThat(second.element(Ns.CLIENT, "message").childText(Ns.CLIENT, "body")).isEqualTo("two");
            }
        }
    }

    @Test
    void withoutBind2TheClientBindsOnTheSameStream() throws Exception {
        try (RawClient c = tls()) {
            XmlElement s = scram(c, "nobind", "nobind-pw", "");
            assertThat(s.childText(SASL2, "authorization-identifier")).isEqualTo("nobind@" + D);
            c.send("<iq type='set' id='b'><bind xmlns='" + Ns.BIND + "'><resource>classic</resource></bind></iq>");
            assertThat(c.element(Ns.CLIENT, "iq").child(Ns.BIND, "bind").childText(Ns.BIND, "jid"))
                    .isEqualTo("nobind@" + D + "/classic");
        }
    }

    @Test
    void aWrongPasswordFailsInSasl2Terms() throws Exception {
        try (RawClient c = tls()) {
            XmlElement r = scram(c, "wrong", "not-the-password", "");
            assertThat(r.is(SASL2, "failure")).isTrue();
            assertThat(r.hasChild(Ns.SASL, "not-authorized")).isTrue();
        }
    }
}
