package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.jid.Jid;
import io.switchboard.testing.Clients;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;
import org.slf4j.LoggerFactory;

/** Stream management (XEP-0198): acknowledgements, resumption, and nothing lost when a session ends. */
class StreamManagementIT {

    static final String D = TestServer.DOMAIN;
    static final String SM = "urn:xmpp:sm:3";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("c2s.resume-timeout", "3s"));
        for (String u : new String[]{"mobile", "sender", "other", "lazy", "expire", "smack", "smack-sender", "pager",
                "leaving"}) {
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

    /** Logs in up to the point where a resource would be bound. */
    static RawClient authenticate(String user) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort());
        c.negotiateTls(server.clientSslContext(), D);
        XmlElement f = c.plainLogin(user, user + "-pw", D);
        assertThat(f.hasChild(SM, "sm")).isTrue();
        return c;
    }

    static String enable(RawClient c) throws Exception {
        c.send("<enable xmlns='" + SM + "' resume='true'/>");
        XmlElement enabled = c.element(SM, "enabled");
        assertThat(enabled.attr("resume")).isEqualTo("true");
        assertThat(enabled.attr("max")).isEqualTo("3");
        return enabled.attr("id");
    }

    static void send(RawClient from, String to, String body) throws Exception {
        from.send("<message type='chat' to='" + to + "'><body>" + body + "</body></message>");
    }

    /** Reads messages until n bodies were received, answering ack requests with the running count. */
    static List<String> bodies(RawClient c, int n, long[] handled) throws Exception {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            XmlElement e = c.element();
            if (e.is(Ns.CLIENT, "message")) {
                out.add(e.childText(Ns.CLIENT, "body"));
                handled[0]++;
            } else if (e.is(Ns.CLIENT, "presence") || e.is(Ns.CLIENT, "iq")) {
                handled[0]++;
            }
        }
        return out;
    }

    @Test
    void acknowledgementsBothWays() throws Exception {
        try (RawClient m = login("mobile", "phone"); RawClient s = login("sender", "s")) {
            enable(m);
            m.send("<r xmlns='" + SM + "'/>");
            assertThat(m.element(SM, "a").attr("h")).isEqualTo("0");
            m.send("<iq type='get' id='p' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            m.element(Ns.CLIENT, "iq");
            m.send("<r xmlns='" + SM + "'/>");
            assertThat(m.element(SM, "a").attr("h")).isEqualTo("1");
            for (int i = 0; i < 5; i++) {
                send(s, "mobile@" + D + "/phone", "m" + i);
            }
            // After a few unacknowledged stanzas the server asks; we answer with what we have read.
            int received = 1;
            while (true) {
                XmlElement e = m.element();
                if (e.is(SM, "r")) {
                    break;
                }
                if (e.is(Ns.CLIENT, "message")) {
                    received++;
                }
            }
            m.send("<a xmlns='" + SM + "' h='" + received + "'/>");
            while (received < 6) {
                if (m.element().is(Ns.CLIENT, "message")) {
                    received++;
                }
            }
            m.send("<a xmlns='" + SM + "' h='6'/>");
            m.send("<r xmlns='" + SM + "'/>");
            assertThat(m.element(SM, "a").attr("h")).isEqualTo("1");
        }
    }

    @Test
    void aKilledConnectionIsResumedWithExactlyTheMissedStanzasOnce() throws Exception {
        RawClient m = login("mobile", "resume");
        String id = enable(m);
        long[] handled = {0};
        try (RawClient s = login("sender", "burst")) {
            for (int i = 0; i < 10; i++) {
                send(s, "mobile@" + D + "/resume", "a" + i);
            }
            List<String> first = bodies(m, 4, handled);
            assertThat(first).containsExactly("a0", "a1", "a2", "a3");
            // The connection dies mid-burst (no </stream:stream>): the rest must not be lost.
            m.socket().close();
            for (int i = 10; i < 15; i++) {
                send(s, "mobile@" + D + "/resume", "a" + i);
            }
            s.send("<iq type='get' id='barrier' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            s.element(Ns.CLIENT, "iq");
            // The sender still sees the resource as there (the session is only detached).
            assertThat(server.server().sessions().get(Jid.of("mobile@" + D + "/resume"))).isNotNull();

            RawClient again = authenticate("mobile");
            again.send("<resume xmlns='" + SM + "' previd='" + id + "' h='" + handled[0] + "'/>");
            XmlElement resumed = again.element(SM, "resumed");
            assertThat(resumed.attr("previd")).isEqualTo(id);
            List<String> rest = bodies(again, 11, handled);
            assertThat(rest).containsExactly("a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11", "a12", "a13", "a14");
            // Nothing more: the next thing after an ack round-trip is the ack itself.
            again.send("<a xmlns='" + SM + "' h='" + handled[0] + "'/>");
            again.send("<r xmlns='" + SM + "'/>");
            XmlElement next = again.element();
            while (next.is(SM, "r")) {
                next = again.element();
            }
            assertThat(next.is(SM, "a")).as("no duplicate after the missed stanzas: " + next).isTrue();
            // The session goes on.
            send(s, "mobile@" + D + "/resume", "after");
            assertThat(bodies(again, 1, handled)).containsExactly("after");
            again.close();
        }
    }

    @Test
    void aPageOfArchivedMessagesCountsStanzaByStanzaAndIsResumed() throws Exception {
        // A MAM page leaves as one write; stream management must still count and keep each stanza.
        RawClient p = login("pager", "tablet");
        String id = enable(p);
        long[] handled = {0};
        try (RawClient s = login("sender", "pages")) {
            for (int i = 0; i < 3; i++) {
                send(s, "pager@" + D + "/tablet", "p" + i);
            }
            assertThat(bodies(p, 3, handled)).containsExactly("p0", "p1", "p2");
        }
        p.send("<iq type='set' id='page'><query xmlns='urn:xmpp:mam:2' queryid='q1'><set xmlns='"
                + "http://jabber.org/protocol/rsm'><max>3</max><before/></set></query></iq>");
        List<String> firstTime = pageBodies(p);
        assertThat(firstTime).containsExactly("p0", "p1", "p2");
        // The page and its answer are never acknowledged: the connection dies.
        p.socket().close();

        RawClient again = authenticate("pager");
        again.send("<resume xmlns='" + SM + "' previd='" + id + "' h='" + handled[0] + "'/>");
        assertThat(again.element(SM, "resumed").attr("previd")).isEqualTo(id);
        // Exactly the three results and the query's answer come again, in order, once.
        assertThat(pageBodies(again)).containsExactly("p0", "p1", "p2");
        again.send("<r xmlns='" + SM + "'/>");
        XmlElement next = again.element();
        while (next.is(SM, "r")) {
            next = again.element();
        }
        assertThat(next.is(SM, "a")).as("nothing after the page's answer: " + next).isTrue();
        again.close();
    }

    /** Reads a MAM page up to its answer (iq 'page'): the bodies of its results. */
    static List<String> pageBodies(RawClient c) throws Exception {
        List<String> out = new ArrayList<>();
        while (true) {
            XmlElement e = c.element();
            if (e.is(Ns.CLIENT, "iq")) {
                assertThat(e.attr("id")).isEqualTo("page");
                assertThat(e.attr("type")).isEqualTo("result");
                return out;
            }
            if (e.is(Ns.CLIENT, "message")) {
                XmlElement fwd = e.child("urn:xmpp:mam:2", "result").child("urn:xmpp:forward:0", "forwarded");
                out.add(fwd.child(Ns.CLIENT, "message").childText(Ns.CLIENT, "body"));
            }
        }
    }

    @Test
    void anotherAccountCannotResumeASession() throws Exception {
        try (RawClient victim = login("mobile", "victim")) {
            String id = enable(victim);
            try (RawClient attacker = authenticate("other")) {
                attacker.send("<resume xmlns='" + SM + "' previd='" + id + "' h='0'/>");
                XmlElement failed = attacker.element(SM, "failed");
                assertThat(failed.hasChild(Ns.STANZA_ERRORS, "item-not-found")).isTrue();
            }
            victim.send("<iq type='get' id='still' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(victim.element(Ns.CLIENT, "iq").attr("id")).isEqualTo("still");
        }
    }

    @Test
    void aCleanCloseIsNotResumable() throws Exception {
        RawClient c = login("lazy", "clean");
        String id = enable(c);
        c.send("</stream:stream>");
        assertThat(c.awaitClosed()).isTrue();
        try (RawClient again = authenticate("lazy")) {
            again.send("<resume xmlns='" + SM + "' previd='" + id + "' h='0'/>");
            assertThat(again.element(SM, "failed").hasChild(Ns.STANZA_ERRORS, "item-not-found")).isTrue();
        }
    }

    @Test
    void anImpossibleAcknowledgementEndsTheStream() throws Exception {
        try (RawClient c = login("lazy", "liar")) {
            enable(c);
            c.send("<a xmlns='" + SM + "' h='42'/>");
            assertThat(c.streamError()).isEqualTo("undefined-condition");
        }
    }

    @Test
    void anAcknowledgementThatArrivesAfterTheSessionEndedIsNotCalledBad() throws Exception {
        // Smack's clean-up (seen in the interop run): it removes its account, then acknowledges what it
        // read before it closes. The removal ends the session and hands its unacknowledged stanzas on;
        // the acknowledgement behind it, honest, used to be judged against the emptied queue.
        Logger log = (Logger) LoggerFactory.getLogger("io.switchboard.c2s.C2sStream");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (RawClient c = login("leaving", "phone"); RawClient s = login("sender", "bye")) {
            enable(c);
            for (int i = 0; i < 2; i++) {
                send(s, "leaving@" + D + "/phone", "read" + i);
            }
            bodies(c, 2, new long[1]);
            // One write, so the server handles both in this order, the acknowledgement after the removal.
            c.send("<iq type='set' id='rm'><query xmlns='jabber:iq:register'><remove/></query></iq>"
                    + "<a xmlns='" + SM + "' h='2'/>");
            assertThat(c.awaitClosed()).as("the removed account's stream closes").isTrue();
            assertThat(server.server().storage().users().find(Jid.of("leaving@" + D))).isEmpty();
        } finally {
            log.detachAppender(lines);
        }
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains("bad acknowledgement"));
    }

    @Test
    void whenNoResumptionComesUnacknowledgedMessagesGoToOfflineStorage() throws Exception {
        RawClient c = login("expire", "gone");
        enable(c);
        c.send("<presence/>");
        try (RawClient s = login("sender", "exp")) {
            for (int i = 0; i < 3; i++) {
                send(s, "expire@" + D, "kept" + i);
            }
            long[] handled = {0};
            bodies(c, 3, handled);
            c.socket().close();
            send(s, "expire@" + D, "kept3");
            // After the resume timeout (3 s) the session ends and all four messages are stored.
            Jid owner = Jid.of("expire@" + D);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (server.server().storage().offline().count(owner) < 4) {
                assertThat(System.nanoTime()).as("messages stored within 15 s").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        try (RawClient back = login("expire", "back")) {
            back.send("<presence/>");
            long[] handled = {0};
            assertThat(bodies(back, 4, handled)).containsExactly("kept0", "kept1", "kept2", "kept3");
        }
    }

    @Test
    void smackResumesAfterItsConnectionIsKilledMidBurst() throws Exception {
        XMPPTCPConnection.setUseStreamManagementDefault(true);
        XMPPTCPConnection.setUseStreamManagementResumptionDefault(true);
        XMPPTCPConnection receiver = new XMPPTCPConnection(Clients.config(server, "smack", "smack-pw")
                .setResource("phone").build());
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        receiver.addSyncStanzaListener(p -> got.add(((Message) p).getBody()), StanzaTypeFilter.MESSAGE);
        XMPPTCPConnection sender = Clients.login(server, "smack-sender", "smack-sender-pw", "s");
        try {
            receiver.connect().login();
            assertThat(receiver.isSmResumptionPossible()).isTrue();
            var to = JidCreate.entityFullFrom("smack@" + D + "/phone");
            int total = 200;
            for (int i = 0; i < total; i++) {
                sender.sendStanza(MessageBuilder.buildMessage().to(to).ofType(Message.Type.chat).setBody("n" + i).build());
                if (i == 80) {
                    receiver.instantShutdown();
                }
            }
            receiver.connect().login();
            assertThat(receiver.streamWasResumed()).isTrue();
            List<String> received = new ArrayList<>();
            while (received.size() < total) {
                String b = got.poll(10, TimeUnit.SECONDS);
                assertThat(b).as("message %d of %d", received.size(), total).isNotNull();
                received.add(b);
            }
            assertThat(received).doesNotHaveDuplicates().hasSize(total);
            for (int i = 0; i < total; i++) {
                assertThat(received).contains("n" + i);
            }
            assertThat(got.poll(300, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            receiver.disconnect();
            sender.disconnect();
            XMPPTCPConnection.setUseStreamManagementDefault(false);
            XMPPTCPConnection.setUseStreamManagementResumptionDefault(false);
        }
    }
}
