package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.jid.Jid;
import io.switchboard.store.ScramHash;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.ScramClient;
import io.switchboard.testing.TestServer;
import io.switchboard.tls.TlsContexts;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.net.InetAddress;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Protocol details over raw sockets: SASL variants, TLS versions, RFC 6121 corner cases, quotas. */
class ProtocolIT {

    static final String D = TestServer.DOMAIN;
    static final String STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("offline.max-messages", "3", "registration.open", "true",
                "registration.max-per-ip-per-hour", "0"));
        for (String u : new String[]{"anna", "ben", "cleo", "dan", "eve", "fred", "gina", "hal", "quota"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawClient login(String user, String resource) throws Exception {
        return RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, user, user + "-pw", resource);
    }

    static String condition(XmlElement stanza) {
        XmlElement err = stanza.child(Ns.CLIENT, "error");
        return err == null ? null : err.childInNs(STANZAS).local();
    }

    // ---- SASL ----

    private XmlElement scram(RawClient c, ScramHash h, String mech, String gs2, byte[] cb, String user, String pw)
            throws Exception {
        ScramClient sc = new ScramClient(h, gs2, cb, user, pw);
        c.send("<auth xmlns='" + Ns.SASL + "' mechanism='" + mech + "'>" + sc.first() + "</auth>");
        XmlElement ch = c.element();
        if (!ch.is(Ns.SASL, "challenge")) {
            return ch;
        }
        c.send("<response xmlns='" + Ns.SASL + "'>" + sc.last(ch.text()) + "</response>");
        XmlElement r = c.element();
        if (r.is(Ns.SASL, "success")) {
            assertThat(sc.verifyServer(r.text())).as("server signature").isTrue();
        }
        return r;
    }

    @Test
    void scramSha256AndSha1Succeed() throws Exception {
        for (ScramHash h : ScramHash.values()) {
            try (RawClient c = RawClient.connect(server.c2sPort())) {
                c.negotiateTls(server.clientSslContext(), D);
                assertThat(scram(c, h, h.mechanism(), "n,,", null, "anna", "anna-pw").local()).isEqualTo("success");
            }
        }
    }

    @Test
    void scramPlusWithTlsServerEndPoint() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            byte[] cb = TlsContexts.serverEndPoint(server.server().tls().material().certificate());
            assertThat(scram(c, ScramHash.SHA_256, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", cb, "anna", "anna-pw")
                    .local()).isEqualTo("success");
        }
    }

    /**
     * tls-exporter needs a runtime that exports TLS keying material (Java 25+); on older ones it must
     * not be offered, and asking for it must fail.
     */
    @Test
    void scramPlusWithTlsExporterWhereTheRuntimeSupportsIt() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            XmlElement f = c.negotiateTls(server.clientSslContext(), D);
            SSLSocket s = (SSLSocket) c.socket();
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
            var offered = f.child(Ns.SASL_CB, "sasl-channel-binding").elements().stream().map(e -> e.attr("type")).toList();
            if (TlsContexts.exporterAvailable()) {
                assertThat(offered).containsExactly("tls-exporter", "tls-server-end-point");
                byte[] cb = TlsContexts.tlsExporter(s.getSession());
                assertThat(cb).hasSize(32);
                assertThat(scram(c, ScramHash.SHA_256, "SCRAM-SHA-256-PLUS", "p=tls-exporter,,", cb, "anna", "anna-pw")
                        .local()).isEqualTo("success");
            } else {
                assertThat(offered).containsExactly("tls-server-end-point");
                assertThat(scram(c, ScramHash.SHA_256, "SCRAM-SHA-256-PLUS", "p=tls-exporter,,", new byte[32], "anna",
                        "anna-pw").is(Ns.SASL, "failure")).isTrue();
            }
        }
    }

    @Test
    void scramPlusWithTheWrongBindingFails() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            XmlElement r = scram(c, ScramHash.SHA_256, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", new byte[32],
                    "anna", "anna-pw");
            assertThat(r.is(Ns.SASL, "failure")).isTrue();
        }
    }

    @Test
    void aDowngradedClientIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            XmlElement r = scram(c, ScramHash.SHA_256, "SCRAM-SHA-256", "y,,", null, "anna", "anna-pw");
            assertThat(r.is(Ns.SASL, "failure")).isTrue();
        }
    }

    @Test
    void anUnofferedMechanismIsInvalid() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='DIGEST-MD5'/>");
            assertThat(c.element().hasChild(Ns.SASL, "invalid-mechanism")).isTrue();
        }
    }

    // ---- TLS ----

    @Test
    void tls11IsRefused() throws Exception {
        SSLContext ctx = server.clientSslContext();
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            c.header();
            c.element(Ns.STREAMS, "features");
            c.send("<starttls xmlns='" + Ns.TLS + "'/>");
            c.element(Ns.TLS, "proceed");
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(c.socket(), D, c.socket().getPort(), true);
            s.setEnabledProtocols(new String[]{"TLSv1.1"});
            assertThatThrownBy(s::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
        }
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.c2sTlsPort())) {
            s.setEnabledProtocols(new String[]{"TLSv1.1"});
            assertThatThrownBy(s::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
        }
    }

    @Test
    void tls12WorksToo() throws Exception {
        SSLContext ctx = server.clientSslContext();
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.c2sTlsPort())) {
            s.setEnabledProtocols(new String[]{"TLSv1.2"});
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(s.getSession().getCipherSuite()).contains("GCM").contains("ECDHE");
        } catch (SSLHandshakeException e) {
            throw new AssertionError("TLS 1.2 refused", e);
        }
    }

    // ---- streams ----

    @Test
    void aMissingVersionIsUnsupported() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.send("<stream:stream xmlns='jabber:client' xmlns:stream='" + Ns.STREAMS + "' to='" + D + "'>");
            assertThat(c.streamError()).isEqualTo("unsupported-version");
        }
    }

    @Test
    void theStreamHeaderAndFeaturesAreWhatClientsExpect() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.open(D);
            var h = c.header();
            assertThat(h.attr("from")).isEqualTo(D);
            assertThat(h.attr("version")).isEqualTo("1.0");
            assertThat(h.attr("id")).hasSizeGreaterThanOrEqualTo(16);
            c.element(Ns.STREAMS, "features");
            c.send("<starttls xmlns='" + Ns.TLS + "'/>");
            c.element(Ns.TLS, "proceed");
            c.startTls(server.clientSslContext(), D);
            c.open(D);
            c.header();
            XmlElement f = c.element(Ns.STREAMS, "features");
            assertThat(f.hasChild(Ns.REGISTER_FEATURE, "register")).isTrue();
            assertThat(f.child(Ns.LIMITS, "limits").childText(Ns.LIMITS, "max-bytes")).isEqualTo("8192");
            c.plainLogin("ben", "ben-pw", D);
        }
    }

    @Test
    void afterLoginTheFeaturesOfferBindingRosterVersioningAndCaps() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            XmlElement f = c.plainLogin("ben", "ben-pw", D);
            assertThat(f.hasChild(Ns.BIND, "bind")).isTrue();
            assertThat(f.hasChild(Ns.ROSTER_VER_FEATURE, "ver")).isTrue();
            assertThat(f.hasChild(Ns.PRE_APPROVAL_FEATURE, "sub")).isTrue();
            assertThat(f.child(Ns.CAPS, "c").attr("ver")).isNotBlank();
            assertThat(f.child(Ns.LIMITS, "limits").childText(Ns.LIMITS, "max-bytes")).isEqualTo("262144");
            c.send("<iq type='set' id='b'><bind xmlns='" + Ns.BIND + "'/></iq>");
            XmlElement r = c.element(Ns.CLIENT, "iq");
            String jid = r.child(Ns.BIND, "bind").childText(Ns.BIND, "jid");
            assertThat(Jid.of(jid).bare().toString()).isEqualTo("ben@" + D);
            assertThat(Jid.of(jid).resource()).isNotBlank();
            c.send("<iq type='set' id='s'><session xmlns='" + Ns.SESSION + "'/></iq>");
            assertThat(c.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");
            c.send("<iq type='set' id='b2'><bind xmlns='" + Ns.BIND + "'/></iq>");
            assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("not-allowed");
        }
    }

    // ---- IQ semantics ----

    @Test
    void unknownIqPayloadsGetServiceUnavailable() throws Exception {
        try (RawClient c = login("cleo", "r")) {
            c.send("<iq type='get' id='u1' to='" + D + "'><query xmlns='urn:example:unknown'/></iq>");
            XmlElement r = c.element(Ns.CLIENT, "iq");
            assertThat(r.attr("id")).isEqualTo("u1");
            assertThat(condition(r)).isEqualTo("service-unavailable");
            c.send("<iq type='get' id='u2'><query xmlns='urn:example:unknown'/></iq>");
            assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("service-unavailable");
            c.send("<iq type='get' id='u3' to='dan@" + D + "'><query xmlns='urn:example:unknown'/></iq>");
            assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("service-unavailable");
            c.send("<iq type='get' id='u4'/>");
            assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("bad-request");
        }
    }

    // ---- roster ----

    @Test
    void rosterVersioningSendsNothingWhenTheClientIsCurrent() throws Exception {
        try (RawClient c = login("dan", "r")) {
            c.send("<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>");
            XmlElement r1 = c.element(Ns.CLIENT, "iq");
            String ver = r1.child(Ns.ROSTER, "query").attr("ver");
            assertThat(ver).isNotNull();
            c.send("<iq type='set' id='r2'><query xmlns='jabber:iq:roster'><item jid='x@other.test' name='X'>"
                    + "<group>Friends</group></item></query></iq>");
            XmlElement push = c.element(Ns.CLIENT, "iq");
            assertThat(push.attr("type")).isEqualTo("set");
            assertThat(push.attr("from")).isNull();
            String ver2 = push.child(Ns.ROSTER, "query").attr("ver");
            assertThat(ver2).isNotEqualTo(ver);
            assertThat(c.element(Ns.CLIENT, "iq").attr("id")).isEqualTo("r2");
            c.send("<iq type='result' id='" + push.attr("id") + "'/>");
            c.send("<iq type='get' id='r3'><query xmlns='jabber:iq:roster' ver='" + ver2 + "'/></iq>");
            XmlElement r3 = c.element(Ns.CLIENT, "iq");
            assertThat(r3.attr("type")).isEqualTo("result");
            assertThat(r3.children()).isEmpty();
            c.send("<iq type='get' id='r4'><query xmlns='jabber:iq:roster' ver='" + ver + "'/></iq>");
            XmlElement r4 = c.element(Ns.CLIENT, "iq");
            assertThat(r4.child(Ns.ROSTER, "query").elements()).extracting(e -> e.attr("jid")).containsExactly("x@other.test");
        }
    }

    @Test
    void malformedRosterSetsAreRefusedAndChangeNothing() throws Exception {
        try (RawClient c = login("eve", "r")) {
            c.send("<iq type='get' id='get'><query xmlns='jabber:iq:roster'/></iq>");
            c.element(Ns.CLIENT, "iq");
            String[][] cases = {
                    {"<item jid='a@x.test'/><item jid='b@x.test'/>", "bad-request"},
                    {"<item jid='a@x.test'><group/></item>", "not-acceptable"},
                    {"<item jid='a@x.test'><group>g</group><group>g</group></item>", "bad-request"},
                    {"<item jid='a@@x.test'/>", "jid-malformed"},
                    {"<item jid='a@x.test' name='" + "n".repeat(2000) + "'/>", "not-acceptable"},
                    {"<item jid='nobody@x.test' subscription='remove'/>", "item-not-found"},
            };
            int i = 0;
            for (String[] k : cases) {
                c.send("<iq type='set' id='m" + i + "'><query xmlns='jabber:iq:roster'>" + k[0] + "</query></iq>");
                XmlElement r = c.element(Ns.CLIENT, "iq");
                assertThat(condition(r)).as(k[0]).isEqualTo(k[1]);
                i++;
            }
            // A set never changes the subscription state (RFC 6121 §2.1.2.5).
            c.send("<iq type='set' id='ok'><query xmlns='jabber:iq:roster'><item jid='z@x.test' subscription='both' "
                    + "ask='subscribe'/></query></iq>");
            XmlElement push = c.element(Ns.CLIENT, "iq");
            XmlElement item = push.child(Ns.ROSTER, "query").child(Ns.ROSTER, "item");
            assertThat(item.attr("subscription")).isEqualTo("none");
            assertThat(item.attr("ask")).isNull();
        }
        assertThat(server.server().storage().rosters().load(Jid.of("eve@" + D)).items()).hasSize(1);
    }

    @Test
    void preApprovalMakesTheLaterRequestSucceedAtOnce() throws Exception {
        try (RawClient fred = login("fred", "r"); RawClient gina = login("gina", "r")) {
            fred.send("<iq type='get' id='get'><query xmlns='jabber:iq:roster'/></iq>");
            fred.element(Ns.CLIENT, "iq");
            fred.send("<presence/>");
            gina.send("<presence/>");
            // Fred pre-approves Gina (RFC 6121 §3.4): no stanza reaches Gina.
            fred.send("<presence type='subscribed' to='gina@" + D + "'/>");
            XmlElement push = fred.element(Ns.CLIENT, "iq");
            assertThat(push.child(Ns.ROSTER, "query").child(Ns.ROSTER, "item").attr("approved")).isEqualTo("true");
            // Gina asks: the server answers subscribed for Fred, who is not asked.
            gina.send("<presence type='subscribe' to='fred@" + D + "'/>");
            XmlElement subscribed;
            do {
                subscribed = gina.element(Ns.CLIENT, "presence");
            } while (!"subscribed".equals(subscribed.attr("type")));
            assertThat(subscribed.attr("from")).isEqualTo("fred@" + D);
        }
        var items = server.server().storage().rosters().load(Jid.of("fred@" + D)).items();
        assertThat(items).singleElement().satisfies(i -> {
            assertThat(i.subscription().wire()).isEqualTo("from");
            assertThat(i.approved()).isFalse();
        });
    }

    @Test
    void directedPresenceRecipientsLearnOfAnAbruptDisconnect() throws Exception {
        try (RawClient hal = login("hal", "watch")) {
            hal.send("<presence/>");
            RawClient anna = login("anna", "gone");
            anna.send("<presence/>");
            anna.send("<presence to='hal@" + D + "/watch'><status>hello</status></presence>");
            XmlElement first = presenceFrom(hal, "anna@" + D + "/gone");
            assertThat(first.childText(Ns.CLIENT, "status")).isEqualTo("hello");
            anna.socket().close();
            XmlElement gone = presenceFrom(hal, "anna@" + D + "/gone");
            assertThat(gone.attr("type")).isEqualTo("unavailable");
            assertThat(gone.attr("from")).isEqualTo("anna@" + D + "/gone");
        }
    }

    /** The next presence from {@code from}, skipping others (such as the client's own echo). */
    static XmlElement presenceFrom(RawClient c, String from) throws Exception {
        while (true) {
            XmlElement p = c.element(Ns.CLIENT, "presence");
            if (from.equals(p.attr("from"))) {
                return p;
            }
        }
    }

    @Test
    void probesFromNonContactsRevealNothing() throws Exception {
        try (RawClient ben = login("ben", "p"); RawClient cleo = login("cleo", "p")) {
            ben.send("<presence><status>secret</status></presence>");
            presenceFrom(ben, "ben@" + D + "/p");
            cleo.send("<presence type='probe' to='ben@" + D + "'/>");
            // The probe is handled before the ping on cleo's ordered worker: anything it revealed
            // would arrive before the ping's answer.
            cleo.send("<iq type='get' id='barrier' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            XmlElement next = cleo.element();
            assertThat(next.is(Ns.CLIENT, "iq")).as("nothing but the ping answer: " + next).isTrue();
            assertThat(next.attr("id")).isEqualTo("barrier");
        }
    }

    // ---- offline quota ----

    @Test
    void pastTheOfflineQuotaMessagesBounce() throws Exception {
        try (RawClient c = login("dan", "q")) {
            for (int i = 0; i < 4; i++) {
                c.send("<message id='q" + i + "' type='chat' to='quota@" + D + "'><body>" + i + "</body></message>");
            }
            XmlElement bounce = c.element(Ns.CLIENT, "message");
            assertThat(bounce.attr("id")).isEqualTo("q3");
            assertThat(condition(bounce)).isEqualTo("service-unavailable");
        }
        assertThat(server.server().storage().offline().count(Jid.of("quota@" + D))).isEqualTo(3);
    }

    // ---- in-band registration (XEP-0077) ----

    @Test
    void registrationPasswordChangeAndRemoval() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            XmlElement f = c.negotiateTls(server.clientSslContext(), D);
            assertThat(f.hasChild(Ns.REGISTER_FEATURE, "register")).isTrue();
            c.send("<iq type='get' id='g'><query xmlns='jabber:iq:register'/></iq>");
            XmlElement form = c.element(Ns.CLIENT, "iq").child(Ns.REGISTER, "query");
            assertThat(form.hasChild(Ns.REGISTER, "username")).isTrue();
            c.send("<iq type='set' id='s'><query xmlns='jabber:iq:register'><username>Newbie</username>"
                    + "<password>first-pw</password></query></iq>");
            assertThat(c.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");
            c.send("<iq type='set' id='s2'><query xmlns='jabber:iq:register'><username>newbie</username>"
                    + "<password>x</password></query></iq>");
            assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("conflict");
        }
        try (RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, "newbie", "first-pw", "r")) {
            c.send("<iq type='set' id='p'><query xmlns='jabber:iq:register'><username>anna</username>"
                    + "<password>stolen</password></query></iq>");
            assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("not-authorized");
            c.send("<iq type='set' id='p2'><query xmlns='jabber:iq:register'><username>newbie</username>"
                    + "<password>second-pw</password></query></iq>");
            assertThat(c.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");
        }
        try (RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, "newbie", "second-pw", "r")) {
            c.send("<iq type='set' id='rm'><query xmlns='jabber:iq:register'><remove/></query></iq>");
            assertThat(c.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");
            assertThat(c.streamError()).isEqualTo("not-authorized");
        }
        assertThat(server.server().storage().users().exists(Jid.of("newbie@" + D))).isFalse();
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.negotiateTls(server.clientSslContext(), D);
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + HostileInputIT.plain("newbie", "second-pw") + "</auth>");
            assertThat(c.element().hasChild(Ns.SASL, "not-authorized")).isTrue();
        }
    }

    @Test
    void registrationIsClosedByDefault() throws Exception {
        try (TestServer closed = TestServer.start()) {
            try (RawClient c = RawClient.connect(closed.c2sPort())) {
                XmlElement f = c.negotiateTls(closed.clientSslContext(), D);
                assertThat(f.hasChild(Ns.REGISTER_FEATURE, "register")).isFalse();
                c.send("<iq type='set' id='s'><query xmlns='jabber:iq:register'><username>x</username>"
                        + "<password>y</password></query></iq>");
                assertThat(condition(c.element(Ns.CLIENT, "iq"))).isEqualTo("not-allowed");
            }
            assertThat(closed.server().storage().users().count()).isZero();
        }
    }

    @Test
    void registrationIsThrottledPerAddress() throws Exception {
        try (TestServer limited = TestServer.start(Map.of("registration.open", "true", "registration.max-per-ip-per-hour", "2"))) {
            String[] results = new String[3];
            for (int i = 0; i < 3; i++) {
                try (RawClient c = RawClient.connect(limited.c2sPort())) {
                    c.negotiateTls(limited.clientSslContext(), D);
                    c.send("<iq type='set' id='s'><query xmlns='jabber:iq:register'><username>u" + i + "</username>"
                            + "<password>pw</password></query></iq>");
                    XmlElement r = c.element(Ns.CLIENT, "iq");
                    results[i] = r.attr("type").equals("result") ? "ok" : condition(r);
                }
            }
            assertThat(results).containsExactly("ok", "ok", "resource-constraint");
            assertThat(limited.server().storage().users().count()).isEqualTo(2);
        }
    }
}
