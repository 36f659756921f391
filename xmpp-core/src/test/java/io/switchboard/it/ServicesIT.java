package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.component.ComponentModule;
import io.switchboard.ext.extdisco.ExternalServicesModule;
import io.switchboard.ext.push.PushModule;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** External components (XEP-0114), push notifications (XEP-0357), external services (XEP-0215). */
class ServicesIT {

    static final String D = TestServer.DOMAIN;
    static final String APP = "push.example.test";
    static final String SM = "urn:xmpp:sm:3";
    static TestServer server;
    static ComponentModule components;
    static PushModule push;

    @BeforeAll
    static void start() throws Exception {
        InMemoryStorage storage = new InMemoryStorage();
        components = new ComponentModule();
        push = new PushModule();
        server = TestServer.start(Map.of("components", APP + "=app-secret,gateway.example.test=gw", "component.port", "0",
                        "external-services", "stun:turn.example.test:3478,turn:turn.example.test:3478:udp",
                        "external-services.turn-secret", "turn-secret", "c2s.resume-timeout", "1m"),
                c -> storage, List.of(components, push, new ExternalServicesModule()));
        for (String u : new String[]{"phone", "friend", "caller"}) {
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

    /** Connects as a component and completes the handshake. */
    static RawClient component(String domain, String secret) throws Exception {
        RawClient c = RawClient.connect(components.port());
        c.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='" + Ns.STREAMS + "' to='" + domain + "'>");
        String id = c.header().attr("id");
        byte[] d = MessageDigest.getInstance("SHA-1").digest((id + secret).getBytes(StandardCharsets.UTF_8));
        c.send("<handshake>" + HexFormat.of().formatHex(d) + "</handshake>");
        return c;
    }

    @Test
    void aComponentAuthenticatesAndExchangesStanzas() throws Exception {
        try (RawClient gw = component("gateway.example.test", "gw"); RawClient user = login("friend", "f")) {
            assertThat(gw.element().local()).isEqualTo("handshake");
            user.send("<message to='bot@gateway.example.test' id='m1' type='chat'><body>hello gateway</body></message>");
            XmlElement m = gw.element(Ns.CLIENT, "message");
            assertThat(m.attr("from")).isEqualTo("friend@" + D + "/f");
            gw.send("<message from='bot@gateway.example.test' to='friend@" + D + "/f' type='chat'><body>hi</body></message>");
            XmlElement back = user.element(Ns.CLIENT, "message");
            assertThat(back.attr("from")).isEqualTo("bot@gateway.example.test");
            // A component cannot speak for another domain.
            gw.send("<message from='admin@" + D + "' to='friend@" + D + "/f'><body>spoof</body></message>");
            assertThat(gw.streamError()).isEqualTo("invalid-from");
        }
    }

    @Test
    void aWrongSecretOrUnknownComponentIsRefused() throws Exception {
        try (RawClient bad = component("gateway.example.test", "wrong")) {
            assertThat(bad.streamError()).isEqualTo("not-authorized");
        }
        try (RawClient c = RawClient.connect(components.port())) {
            c.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='" + Ns.STREAMS + "' to='nope.example.test'>");
            c.header();
            assertThat(c.streamError()).isEqualTo("host-unknown");
        }
        try (RawClient user = login("friend", "f2")) {
            user.send("<message to='x@gateway.example.test' id='m2'><body>anyone?</body></message>");
            XmlElement err = user.element(Ns.CLIENT, "message");
            assertThat(err.attr("type")).isEqualTo("error");
        }
    }

    @Test
    void aDetachedPhoneIsWokenByAPushWithoutTheMessageBody() throws Exception {
        try (RawClient app = component(APP, "app-secret"); RawClient friend = login("friend", "sender")) {
            app.element();
            RawClient phone = login("phone", "ios");
            phone.send("<enable xmlns='" + SM + "' resume='true'/>");
            phone.element(SM, "enabled");
            phone.send("<iq type='set' id='push'><enable xmlns='urn:xmpp:push:0' jid='" + APP + "' node='device-token-1'>"
                    + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                    + "http://jabber.org/protocol/pubsub#publish-options</value></field>"
                    + "<field var='secret'><value>app-token</value></field></x></enable></iq>");
            XmlElement ok = phone.element(Ns.CLIENT, "iq");
            assertThat(ok.attr("type")).isEqualTo("result");
            phone.send("<presence/>");
            // Online: no push.
            friend.send("<message type='chat' to='phone@" + D + "'><body>while online</body></message>");
            phone.element(Ns.CLIENT, "message");
            // The app goes to the background and the connection dies; wait until the server noticed.
            phone.socket().close();
            var phoneJid = io.switchboard.jid.Jid.of("phone@" + D + "/ios");
            long noticed = System.nanoTime() + 10_000_000_000L;
            while (server.server().sessions().get(phoneJid).isConnected()) {
                assertThat(System.nanoTime()).as("disconnect noticed").isLessThan(noticed);
                Thread.sleep(10);
            }
            friend.send("<message type='chat' to='phone@" + D + "'><body>secret text</body></message>");
            XmlElement iq = app.element(Ns.CLIENT, "iq");
            assertThat(iq.attr("from")).isEqualTo("phone@" + D);
            XmlElement publish = iq.child("http://jabber.org/protocol/pubsub", "pubsub")
                    .child("http://jabber.org/protocol/pubsub", "publish");
            assertThat(publish.attr("node")).isEqualTo("device-token-1");
            String summary = publish.toString();
            assertThat(summary).contains("urn:xmpp:push:summary").contains("friend@" + D).doesNotContain("secret text");
            assertThat(iq.child("http://jabber.org/protocol/pubsub", "pubsub").toString()).contains("app-token");
            app.send("<iq type='result' id='" + iq.attr("id") + "' from='" + APP + "' to='phone@" + D + "'/>");
            // The answer is recorded in the device's push log.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (push.log(io.switchboard.jid.Jid.of("phone@" + D), io.switchboard.jid.Jid.of(APP), "device-token-1").isEmpty()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(push.log(io.switchboard.jid.Jid.of("phone@" + D), io.switchboard.jid.Jid.of(APP), "device-token-1"))
                    .extracting(PushModule.LogEntry::outcome).containsExactly("delivered");
            // A chat state alone does not wake the phone; a receipt neither.
            friend.send("<message type='chat' to='phone@" + D + "'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
            friend.send("<message type='chat' to='phone@" + D + "'><body>second</body></message>");
            XmlElement second = app.element(Ns.CLIENT, "iq");
            assertThat(second.toString()).contains("<value>2</value>");
            app.send("<iq type='error' id='" + second.attr("id") + "' from='" + APP + "' to='phone@" + D
                    + "'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
            // The app server forgot the device: the registration is removed, no more pushes.
            while (!push.registrations(io.switchboard.jid.Jid.of("phone@" + D)).isEmpty()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    @Test
    void stunAndTurnServersWithShortLivedCredentials() throws Exception {
        try (RawClient c = login("caller", "c")) {
            c.send("<iq type='get' id='s' to='" + D + "'><services xmlns='urn:xmpp:extdisco:2'/></iq>");
            XmlElement r = c.element(Ns.CLIENT, "iq");
            List<XmlElement> services = r.child("urn:xmpp:extdisco:2", "services").elements();
            assertThat(services).hasSize(2);
            assertThat(services.get(0).attr("type")).isEqualTo("stun");
            assertThat(services.get(0).attr("password")).isNull();
            XmlElement turn = services.get(1);
            assertThat(turn.attr("transport")).isEqualTo("udp");
            assertThat(turn.attr("username")).endsWith(":caller@" + D);
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec("turn-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String expected = java.util.Base64.getEncoder().encodeToString(
                    mac.doFinal(turn.attr("username").getBytes(StandardCharsets.UTF_8)));
            assertThat(turn.attr("password")).isEqualTo(expected);
        }
    }
}
