package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several devices of one user: carbons (XEP-0280), the archive (XEP-0313) with server stanza-ids
 * (XEP-0359), retraction tombstones (XEP-0424), and IM payloads passing through untouched.
 */
class MultiDeviceIT {

    static final String D = TestServer.DOMAIN;
    static final String CARBONS = "urn:xmpp:carbons:2";
    static final String FORWARD = "urn:xmpp:forward:0";
    static final String MAM = "urn:xmpp:mam:2";
    static final String SID = "urn:xmpp:sid:0";
    static final String RSM = "http://jabber.org/protocol/rsm";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("archive.max-page-size", "20"));
        for (String u : new String[]{"alice", "bob", "carol", "dave", "erin", "frank", "gus"}) {
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

    static void enableCarbons(RawClient c) throws Exception {
        c.send("<iq type='set' id='cb'><enable xmlns='" + CARBONS + "'/></iq>");
        while (true) {
            XmlElement e = c.element(Ns.CLIENT, "iq");
            if ("cb".equals(e.attr("id"))) {
                assertThat(e.attr("type")).isEqualTo("result");
                return;
            }
        }
    }

    static XmlElement nextMessage(RawClient c) throws Exception {
        return c.element(Ns.CLIENT, "message");
    }

    @Test
    void carbonsCopySentAndReceivedMessagesToTheOtherDevices() throws Exception {
        try (RawClient phone = login("alice", "phone"); RawClient laptop = login("alice", "laptop");
             RawClient bob = login("bob", "b")) {
            enableCarbons(phone);
            enableCarbons(laptop);
            phone.send("<message type='chat' to='bob@" + D + "' id='s1'><body>from the phone</body></message>");
            XmlElement atBob = nextMessage(bob);
            assertThat(atBob.childText(Ns.CLIENT, "body")).isEqualTo("from the phone");
            XmlElement sent = nextMessage(laptop);
            assertThat(sent.attr("from")).isEqualTo("alice@" + D);
            XmlElement inner = sent.child(CARBONS, "sent").child(FORWARD, "forwarded").child(Ns.CLIENT, "message");
            assertThat(inner.attr("from")).isEqualTo("alice@" + D + "/phone");
            assertThat(inner.childText(Ns.CLIENT, "body")).isEqualTo("from the phone");
            // The sender's copy carries the sender's archive id; Bob's carries Bob's, never Alice's.
            XmlElement aliceId = inner.child(SID, "stanza-id");
            assertThat(aliceId.attr("by")).isEqualTo("alice@" + D);
            assertThat(atBob.child(SID, "stanza-id").attr("by")).isEqualTo("bob@" + D);

            bob.send("<message type='chat' to='alice@" + D + "/phone' id='r1'><body>to the phone</body></message>");
            assertThat(nextMessage(phone).childText(Ns.CLIENT, "body")).isEqualTo("to the phone");
            XmlElement received = nextMessage(laptop);
            XmlElement rin = received.child(CARBONS, "received").child(FORWARD, "forwarded").child(Ns.CLIENT, "message");
            assertThat(rin.childText(Ns.CLIENT, "body")).isEqualTo("to the phone");
            assertThat(rin.child(SID, "stanza-id").attr("by")).isEqualTo("alice@" + D);

            // The private hint keeps a message out of the other devices.
            phone.send("<message type='chat' to='bob@" + D + "' id='p1'><body>secret</body>"
                    + "<private xmlns='" + CARBONS + "'/></message>");
            assertThat(nextMessage(bob).childText(Ns.CLIENT, "body")).isEqualTo("secret");
            phone.send("<message type='chat' to='bob@" + D + "' id='p2'><body>public</body></message>");
            XmlElement next = nextMessage(laptop);
            assertThat(next.child(CARBONS, "sent").child(FORWARD, "forwarded").child(Ns.CLIENT, "message")
                    .childText(Ns.CLIENT, "body")).isEqualTo("public");
        }
    }

    /** Runs a MAM query and returns the result messages; the fin element goes into fin[0]. */
    static List<XmlElement> query(RawClient c, String form, String rsm, XmlElement[] fin) throws Exception {
        String qid = "q" + System.nanoTime();
        c.send("<iq type='set' id='" + qid + "'><query xmlns='" + MAM + "' queryid='" + qid + "'>" + form + rsm
                + "</query></iq>");
        List<XmlElement> out = new ArrayList<>();
        while (true) {
            XmlElement e = c.element();
            if (e.is(Ns.CLIENT, "message") && e.child(MAM, "result") != null) {
                assertThat(e.child(MAM, "result").attr("queryid")).isEqualTo(qid);
                out.add(e.child(MAM, "result"));
            } else if (e.is(Ns.CLIENT, "iq") && qid.equals(e.attr("id"))) {
                assertThat(e.attr("type")).as(e.toString()).isEqualTo("result");
                fin[0] = e.child(MAM, "fin");
                return out;
            }
        }
    }

    static String body(XmlElement result) {
        return result.child(FORWARD, "forwarded").child(Ns.CLIENT, "message").childText(Ns.CLIENT, "body");
    }

    static String form(String... fieldsAndValues) {
        StringBuilder sb = new StringBuilder("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
                + "<value>" + MAM + "</value></field>");
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            sb.append("<field var='").append(fieldsAndValues[i]).append("'><value>").append(fieldsAndValues[i + 1])
                    .append("</value></field>");
        }
        return sb.append("</x>").toString();
    }

    @Test
    void theArchivePagesForwardsAndBackwardsWithTheDeliveredStanzaIds() throws Exception {
        List<String> delivered = new ArrayList<>();
        try (RawClient carol = login("carol", "c"); RawClient dave = login("dave", "d")) {
            for (int i = 0; i < 30; i++) {
                dave.send("<message type='chat' to='carol@" + D + "'><body>m" + i + "</body>"
                        + "<stanza-id xmlns='" + SID + "' id='forged' by='carol@" + D + "'/></message>");
                XmlElement m = nextMessage(carol);
                List<XmlElement> ids = m.elements(SID, "stanza-id");
                assertThat(ids).as("forged stanza-id removed, ours added").hasSize(1);
                assertThat(ids.get(0).attr("id")).isNotEqualTo("forged");
                delivered.add(ids.get(0).attr("id"));
            }
            carol.send("<message type='chat' to='erin@" + D + "'><body>to erin</body></message>");
            XmlElement[] fin = new XmlElement[1];
            // Page 1 forwards (the server caps max at 20).
            List<XmlElement> p1 = query(carol, form("with", "dave@" + D), "<set xmlns='" + RSM + "'><max>50</max></set>", fin);
            assertThat(p1).hasSize(20);
            assertThat(p1.stream().map(MultiDeviceIT::body).toList()).startsWith("m0", "m1").endsWith("m19");
            assertThat(p1.stream().map(r -> r.attr("id")).toList()).isEqualTo(delivered.subList(0, 20));
            assertThat(fin[0].attr("complete")).isNull();
            String last = fin[0].child(RSM, "set").childText(RSM, "last");
            assertThat(last).isEqualTo(delivered.get(19));
            // Page 2 forwards across the boundary.
            List<XmlElement> p2 = query(carol, form("with", "dave@" + D),
                    "<set xmlns='" + RSM + "'><max>20</max><after>" + last + "</after></set>", fin);
            assertThat(p2.stream().map(MultiDeviceIT::body).toList()).startsWith("m20").endsWith("m29").hasSize(10);
            assertThat(fin[0].attr("complete")).isEqualTo("true");
            // Backwards: the last page, then the one before it.
            List<XmlElement> b1 = query(carol, form("with", "dave@" + D), "<set xmlns='" + RSM + "'><max>12</max><before/></set>", fin);
            assertThat(b1.stream().map(MultiDeviceIT::body).toList()).startsWith("m18").endsWith("m29");
            String first = fin[0].child(RSM, "set").childText(RSM, "first");
            List<XmlElement> b2 = query(carol, form("with", "dave@" + D),
                    "<set xmlns='" + RSM + "'><max>12</max><before>" + first + "</before></set>", fin);
            assertThat(b2.stream().map(MultiDeviceIT::body).toList()).startsWith("m6").endsWith("m17");
            // Without a filter, the outgoing message to Erin is there too; ids and after-id (#extended) work.
            List<XmlElement> all = query(carol, "", "<set xmlns='" + RSM + "'><max>5</max><before/></set>", fin);
            assertThat(body(all.get(all.size() - 1))).isEqualTo("to erin");
            List<XmlElement> byIds = query(carol, form("ids", delivered.get(3)), "", fin);
            assertThat(byIds).singleElement().extracting(MultiDeviceIT::body).isEqualTo("m3");
            List<XmlElement> after = query(carol, form("with", "dave@" + D, "after-id", delivered.get(27)), "", fin);
            assertThat(after.stream().map(MultiDeviceIT::body).toList()).containsExactly("m28", "m29");
            // Each result carries the original time.
            assertThat(p1.get(0).child(FORWARD, "forwarded").child(Ns.DELAY, "delay").attr("stamp")).isNotBlank();
        }
    }

    @Test
    void onlyTheOwnerReadsAnArchiveAndPreferencesAreHonoured() throws Exception {
        try (RawClient erin = login("erin", "e"); RawClient frank = login("frank", "f")) {
            frank.send("<iq type='set' id='spy' to='erin@" + D + "'><query xmlns='" + MAM + "'/></iq>");
            XmlElement denied = frank.element(Ns.CLIENT, "iq");
            assertThat(denied.attr("type")).isEqualTo("error");
            erin.send("<iq type='set' id='prefs'><prefs xmlns='" + MAM + "' default='always'><always/>"
                    + "<never><jid>frank@" + D + "</jid></never></prefs></iq>");
            assertThat(erin.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");
            frank.send("<message type='chat' to='erin@" + D + "'><body>off the record</body></message>");
            XmlElement m = nextMessage(erin);
            assertThat(m.child(SID, "stanza-id")).as("not archived, so no stanza-id").isNull();
            XmlElement[] fin = new XmlElement[1];
            assertThat(query(erin, form("with", "frank@" + D), "", fin)).isEmpty();
        }
    }

    @Test
    void imPayloadsArriveIntactAndRetractionsLeaveATombstone() throws Exception {
        String[] payloads = {
                "<request xmlns='urn:xmpp:receipts'/>",
                "<received xmlns='urn:xmpp:receipts' id='x1'/>",
                "<displayed xmlns='urn:xmpp:chat-markers:0' id='x1'/>",
                "<markable xmlns='urn:xmpp:chat-markers:0'/>",
                "<composing xmlns='http://jabber.org/protocol/chatstates'/>",
                "<replace xmlns='urn:xmpp:message-correct:0' id='x1'/>",
                "<reactions xmlns='urn:xmpp:reactions:0' id='x1'><reaction>👍</reaction><reaction>❤️</reaction></reactions>",
        };
        try (RawClient gus = login("gus", "g"); RawClient alice = login("alice", "recv")) {
            for (String p : payloads) {
                gus.send("<message type='chat' to='alice@" + D + "/recv' id='p'>" + p + "</message>");
                XmlElement m = nextMessage(alice);
                XmlElement sent = io.switchboard.xml.XmlFragments.parse(p);
                assertThat(m.child(sent.ns(), sent.local())).as(p).isEqualTo(sent);
            }
            gus.send("<message type='chat' to='alice@" + D + "/recv' id='orig'><body>oops</body>"
                    + "<origin-id xmlns='" + SID + "' id='o-42'/></message>");
            assertThat(nextMessage(alice).childText(Ns.CLIENT, "body")).isEqualTo("oops");
            String retract = "<retract xmlns='urn:xmpp:message-retract:1' id='o-42'/>";
            gus.send("<message type='chat' to='alice@" + D + "/recv' id='ret'>" + retract
                    + "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>/me retracted</body>"
                    + "<store xmlns='urn:xmpp:hints'/></message>");
            XmlElement r = nextMessage(alice);
            assertThat(r.child("urn:xmpp:message-retract:1", "retract").attr("id")).isEqualTo("o-42");
            XmlElement[] fin = new XmlElement[1];
            List<XmlElement> archived = query(alice, form("with", "gus@" + D), "", fin);
            XmlElement tomb = archived.stream().map(a -> a.child(FORWARD, "forwarded").child(Ns.CLIENT, "message"))
                    .filter(m -> m.hasChild("urn:xmpp:message-retract:1", "retracted")).findFirst().orElseThrow();
            assertThat(tomb.child(Ns.CLIENT, "body")).as("the retracted text is gone").isNull();
            assertThat(archived.stream().map(MultiDeviceIT::body).toList()).doesNotContain("oops");
            // The sender's own archive shows the tombstone too.
            List<XmlElement> own = query(gus, form("with", "alice@" + D), "", fin);
            assertThat(own.stream().map(MultiDeviceIT::body).toList()).doesNotContain("oops");
        }
    }
}
