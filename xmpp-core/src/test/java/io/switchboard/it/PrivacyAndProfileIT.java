package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Blocking (XEP-0191), vcard-temp (XEP-0054) and client state indication (XEP-0352). */
class PrivacyAndProfileIT {

    static final String D = TestServer.DOMAIN;
    static final String BLOCK = "urn:xmpp:blocking";
    static final String STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("vcard.max-bytes", "4KiB"));
        for (String u : new String[]{"ann", "spammer", "friend", "vic", "reader", "sleepy", "chatty"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawClient login(String user, String resource) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, user, user + "-pw", resource);
        c.send("<presence/>");
        return c;
    }

    static XmlElement iqResult(RawClient c, String id) throws Exception {
        while (true) {
            XmlElement e = c.element(Ns.CLIENT, "iq");
            if (id.equals(e.attr("id"))) {
                return e;
            }
        }
    }

    @Test
    void aBlockedContactReachesNothingAndTheListIsPushedToEveryDevice() throws Exception {
        try (RawClient phone = login("ann", "phone"); RawClient laptop = login("ann", "laptop");
             RawClient spam = login("spammer", "s")) {
            laptop.send("<iq type='get' id='bl'><blocklist xmlns='" + BLOCK + "'/></iq>");
            assertThat(iqResult(laptop, "bl").child(BLOCK, "blocklist").elements()).isEmpty();
            phone.send("<iq type='set' id='b1'><block xmlns='" + BLOCK + "'><item jid='spammer@" + D + "'/></block></iq>");
            assertThat(iqResult(phone, "b1").attr("type")).isEqualTo("result");
            XmlElement push = laptop.element(Ns.CLIENT, "iq");
            assertThat(push.attr("type")).isEqualTo("set");
            assertThat(push.child(BLOCK, "block").child(BLOCK, "item").attr("jid")).isEqualTo("spammer@" + D);

            spam.send("<message type='chat' to='ann@" + D + "' id='m1'><body>buy now</body></message>");
            XmlElement bounce = spam.element(Ns.CLIENT, "message");
            assertThat(bounce.attr("type")).isEqualTo("error");
            assertThat(bounce.child(Ns.CLIENT, "error").hasChild(STANZAS, "service-unavailable")).isTrue();
            spam.send("<iq type='get' id='v' to='ann@" + D + "'><vCard xmlns='vcard-temp'/></iq>");
            assertThat(iqResult(spam, "v").attr("type")).isEqualTo("error");
            spam.send("<presence to='ann@" + D + "/phone'/>");

            phone.send("<message type='chat' to='spammer@" + D + "' id='m2'><body>stop</body></message>");
            XmlElement refused = phone.element(Ns.CLIENT, "message");
            assertThat(refused.attr("type")).isEqualTo("error");
            XmlElement err = refused.child(Ns.CLIENT, "error");
            assertThat(err.hasChild(STANZAS, "not-acceptable")).isTrue();
            assertThat(err.hasChild("urn:xmpp:blocking:errors", "blocked")).isTrue();
            // Nothing from the spammer reached either device: the next thing is our own ping answer.
            phone.send("<iq type='get' id='ping' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            XmlElement e;
            do {
                e = phone.element();
                assertThat(e.attr("from")).as("nothing from the spammer: " + e).doesNotStartWith("spammer@");
            } while (!"ping".equals(e.attr("id")));

            laptop.send("<iq type='set' id='u1'><unblock xmlns='" + BLOCK + "'/></iq>");
            assertThat(iqResult(laptop, "u1").attr("type")).isEqualTo("result");
            spam.send("<message type='chat' to='ann@" + D + "/phone' id='m3'><body>hello again</body></message>");
            assertThat(phone.element(Ns.CLIENT, "message").childText(Ns.CLIENT, "body")).isEqualTo("hello again");
        }
    }

    @Test
    void aDomainCanBeBlocked() throws Exception {
        try (RawClient vic = login("vic", "v"); RawClient friend = login("friend", "f")) {
            vic.send("<iq type='set' id='b'><block xmlns='" + BLOCK + "'><item jid='" + D + "'/></block></iq>");
            iqResult(vic, "b");
            friend.send("<message type='chat' to='vic@" + D + "' id='m'><body>hi</body></message>");
            assertThat(friend.element(Ns.CLIENT, "message").attr("type")).isEqualTo("error");
        }
    }

    @Test
    void vcardsAreReadableByOthersWritableByTheOwnerAndLimited() throws Exception {
        try (RawClient ann = login("ann", "vc"); RawClient reader = login("reader", "r")) {
            ann.send("<iq type='set' id='s'><vCard xmlns='vcard-temp'><FN>Ann Example</FN><NICKNAME>ann</NICKNAME></vCard></iq>");
            assertThat(iqResult(ann, "s").attr("type")).isEqualTo("result");
            reader.send("<iq type='get' id='g' to='ann@" + D + "'><vCard xmlns='vcard-temp'/></iq>");
            XmlElement v = iqResult(reader, "g").child("vcard-temp", "vCard");
            assertThat(v.childText("vcard-temp", "FN")).isEqualTo("Ann Example");
            reader.send("<iq type='set' id='x' to='ann@" + D + "'><vCard xmlns='vcard-temp'><FN>Hacked</FN></vCard></iq>");
            assertThat(iqResult(reader, "x").attr("type")).isEqualTo("error");
            ann.send("<iq type='set' id='big'><vCard xmlns='vcard-temp'><PHOTO><BINVAL>" + "A".repeat(8000)
                    + "</BINVAL></PHOTO></vCard></iq>");
            assertThat(iqResult(ann, "big").child(Ns.CLIENT, "error").hasChild(STANZAS, "not-acceptable")).isTrue();
            reader.send("<iq type='get' id='g2' to='friend@" + D + "'><vCard xmlns='vcard-temp'/></iq>");
            assertThat(iqResult(reader, "g2").child("vcard-temp", "vCard").children()).isEmpty();
        }
    }

    @Test
    void anInactiveClientGetsFewerWritesAndNothingImportantWaits() throws Exception {
        try (RawClient sleepy = login("sleepy", "s"); RawClient chatty = login("chatty", "c")) {
            sleepy.send("<inactive xmlns='urn:xmpp:csi:0'/>");
            for (int i = 0; i < 50; i++) {
                chatty.send("<presence to='sleepy@" + D + "/s'><status>" + i + "</status></presence>");
                chatty.send("<message type='chat' to='sleepy@" + D + "/s'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
            }
            chatty.send("<message type='chat' to='sleepy@" + D + "/s' id='important'><body>wake up</body></message>");
            // The held presence (only the latest) comes first, then the message; no chat state.
            XmlElement first = sleepy.element();
            while (!first.is(Ns.CLIENT, "presence") || !("chatty@" + D + "/c").equals(first.attr("from"))) {
                first = sleepy.element();
            }
            assertThat(first.childText(Ns.CLIENT, "status")).isEqualTo("49");
            XmlElement second = sleepy.element();
            assertThat(second.is(Ns.CLIENT, "message")).isTrue();
            assertThat(second.childText(Ns.CLIENT, "body")).isEqualTo("wake up");
            // Becoming active releases what is held; nothing else was queued.
            chatty.send("<presence to='sleepy@" + D + "/s'><status>later</status></presence>");
            sleepy.send("<active xmlns='urn:xmpp:csi:0'/>");
            XmlElement released = sleepy.element(Ns.CLIENT, "presence");
            assertThat(released.childText(Ns.CLIENT, "status")).isEqualTo("later");
        }
    }
}
