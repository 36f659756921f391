package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.testing.Clients;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.PresenceBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.roster.RosterEntry;
import org.jivesoftware.smack.roster.SubscribeListener;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.iqlast.LastActivityManager;
import org.jivesoftware.smackx.iqlast.packet.LastActivity;
import org.jivesoftware.smackx.iqversion.VersionManager;
import org.jivesoftware.smackx.iqversion.packet.Version;
import org.jivesoftware.smackx.ping.PingManager;
import org.jivesoftware.smackx.time.EntityTimeManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;

/** RFC 6121 and the small XEPs with real Smack clients. */
class ImIT {

    static TestServer server;
    static final Duration WAIT = Duration.ofSeconds(10);

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("c2s.ping-interval", "2s", "c2s.ping-timeout", "2s"));
        for (String u : new String[]{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static XMPPTCPConnection login(String user, String resource) throws Exception {
        return Clients.login(server, user, user + "-pw", resource);
    }

    static EntityBareJid jid(String local) throws Exception {
        return JidCreate.entityBareFrom(local + "@" + TestServer.DOMAIN);
    }

    /** Makes a and b subscribed to each other and waits until both rosters show 'both'. */
    static void befriend(XMPPTCPConnection a, XMPPTCPConnection b) throws Exception {
        Roster ra = Roster.getInstanceFor(a);
        Roster rb = Roster.getInstanceFor(b);
        ra.setSubscriptionMode(Roster.SubscriptionMode.accept_all);
        rb.setSubscriptionMode(Roster.SubscriptionMode.accept_all);
        ra.createItemAndRequestSubscription(b.getUser().asEntityBareJid(), "B", null);
        rb.createItemAndRequestSubscription(a.getUser().asEntityBareJid(), "A", null);
        waitFor(() -> {
            RosterEntry e1 = ra.getEntry(b.getUser().asEntityBareJid());
            RosterEntry e2 = rb.getEntry(a.getUser().asEntityBareJid());
            return e1 != null && e2 != null && e1.canSeeHisPresence() && e1.canSeeMyPresence()
                    && e2.canSeeHisPresence() && e2.canSeeMyPresence();
        });
    }

    interface Cond {
        boolean ok() throws Exception;
    }

    /** Polls a condition that an asynchronous push will make true; fails after WAIT. */
    static void waitFor(Cond c) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void subscriptionHandshakeGivesBothSidesPresence() throws Exception {
        XMPPTCPConnection alice = login("alice", "a1");
        XMPPTCPConnection bob = login("bob", "b1");
        try {
            befriend(alice, bob);
            Roster ra = Roster.getInstanceFor(alice);
            waitFor(() -> ra.getPresence(jid("bob")).isAvailable());
            RosterEntry e = ra.getEntry(jid("bob"));
            assertThat(e.getName()).isEqualTo("B");
            // Bob changes presence: Alice sees it.
            bob.sendStanza(PresenceBuilder.buildPresence().setMode(Presence.Mode.away).setStatus("lunch").build());
            waitFor(() -> "lunch".equals(ra.getPresence(jid("bob")).getStatus()));
            // Bob goes offline: Alice sees unavailable.
            bob.disconnect();
            waitFor(() -> !ra.getPresence(jid("bob")).isAvailable());
        } finally {
            alice.disconnect();
            bob.disconnect();
        }
    }

    @Test
    void aDeniedSubscriptionLeavesNoSubscription() throws Exception {
        XMPPTCPConnection carol = login("carol", "c1");
        XMPPTCPConnection dave = login("dave", "d1");
        try {
            Roster rd = Roster.getInstanceFor(dave);
            rd.setSubscriptionMode(Roster.SubscriptionMode.manual);
            CountDownLatch asked = new CountDownLatch(1);
            rd.addSubscribeListener((from, p) -> {
                asked.countDown();
                return SubscribeListener.SubscribeAnswer.Deny;
            });
            Roster rc = Roster.getInstanceFor(carol);
            rc.createItemAndRequestSubscription(jid("dave"), "Dave", null);
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            waitFor(() -> {
                RosterEntry e = rc.getEntry(jid("dave"));
                return e != null && !e.isSubscriptionPending() && !e.canSeeHisPresence();
            });
            assertThat(rd.getEntry(jid("carol"))).isNull();
        } finally {
            carol.disconnect();
            dave.disconnect();
        }
    }

    @Test
    void pendingSubscriptionRequestsAreRedeliveredAtLogin() throws Exception {
        XMPPTCPConnection erin = login("erin", "e1");
        try {
            Roster.getInstanceFor(erin).createItemAndRequestSubscription(jid("frank"), "Frank", null);
        } finally {
            erin.disconnect();
        }
        BlockingQueue<Presence> got = new ArrayBlockingQueue<>(10);
        XMPPTCPConnection frank = new XMPPTCPConnection(Clients.config(server, "frank", "frank-pw").setResource("f1").build());
        frank.addAsyncStanzaListener(p -> got.add((Presence) p), StanzaTypeFilter.PRESENCE);
        try {
            Roster.getInstanceFor(frank).setSubscriptionMode(Roster.SubscriptionMode.manual);
            frank.connect().login();
            Presence p;
            do {
                p = got.poll(10, TimeUnit.SECONDS);
                assertThat(p).isNotNull();
            } while (p.getType() != Presence.Type.subscribe);
            assertThat(p.getFrom().asBareJid().toString()).isEqualTo("erin@" + TestServer.DOMAIN);
        } finally {
            frank.disconnect();
        }
    }

    @Test
    void offlineMessagesArriveInOrderWithADelayStamp() throws Exception {
        XMPPTCPConnection grace = login("grace", "g1");
        try {
            for (int i = 0; i < 5; i++) {
                grace.sendStanza(MessageBuilder.buildMessage().to(jid("heidi")).ofType(Message.Type.chat)
                        .setBody("offline " + i).build());
            }
            // A chat state alone is not stored (XEP-0085).
            grace.sendStanza(MessageBuilder.buildMessage().to(jid("heidi")).ofType(Message.Type.chat)
                    .addExtension(new org.jivesoftware.smackx.chatstates.packet.ChatStateExtension(
                            org.jivesoftware.smackx.chatstates.ChatState.composing)).build());
            PingManager.getInstanceFor(grace).pingMyServer();
            waitFor(() -> server.server().storage().offline().count(
                    io.switchboard.jid.Jid.of("heidi@" + TestServer.DOMAIN)) == 5);
        } finally {
            grace.disconnect();
        }
        BlockingQueue<Message> got = new ArrayBlockingQueue<>(10);
        XMPPTCPConnection heidi = new XMPPTCPConnection(Clients.config(server, "heidi", "heidi-pw").setResource("h1").build());
        heidi.addSyncStanzaListener(m -> got.add((Message) m), StanzaTypeFilter.MESSAGE);
        try {
            heidi.connect().login();
            for (int i = 0; i < 5; i++) {
                Message m = got.poll(10, TimeUnit.SECONDS);
                assertThat(m).isNotNull();
                assertThat(m.getBody()).isEqualTo("offline " + i);
                DelayInformation d = DelayInformation.from(m);
                assertThat(d).isNotNull();
                assertThat(d.getFrom().toString()).isEqualTo(TestServer.DOMAIN);
            }
            assertThat(got.poll(300, TimeUnit.MILLISECONDS)).isNull();
            assertThat(server.server().storage().offline().count(io.switchboard.jid.Jid.of("heidi@" + TestServer.DOMAIN))).isZero();
        } finally {
            heidi.disconnect();
        }
    }

    @Test
    void aMessageToAnUnknownUserBouncesWithServiceUnavailable() throws Exception {
        XMPPTCPConnection ivan = login("ivan", "i1");
        try {
            BlockingQueue<Message> got = new ArrayBlockingQueue<>(2);
            ivan.addAsyncStanzaListener(m -> got.add((Message) m), StanzaTypeFilter.MESSAGE);
            ivan.sendStanza(MessageBuilder.buildMessage().to(jid("nobody")).ofType(Message.Type.chat).setBody("hi").build());
            Message err = got.poll(10, TimeUnit.SECONDS);
            assertThat(err).isNotNull();
            assertThat(err.getType()).isEqualTo(Message.Type.error);
            assertThat(err.getError().getCondition()).isEqualTo(StanzaError.Condition.service_unavailable);
        } finally {
            ivan.disconnect();
        }
    }

    @Test
    void messagesToABareJidGoToTheHighestPriorityResourceAndNeverToNegativeOnes() throws Exception {
        XMPPTCPConnection high = login("judy", "high");
        XMPPTCPConnection low = login("judy", "low");
        XMPPTCPConnection sender = login("ivan", "sender");
        try {
            high.sendStanza(PresenceBuilder.buildPresence().setPriority(10).build());
            low.sendStanza(PresenceBuilder.buildPresence().setPriority(-1).build());
            BlockingQueue<Message> atHigh = new ArrayBlockingQueue<>(10);
            BlockingQueue<Message> atLow = new ArrayBlockingQueue<>(10);
            high.addAsyncStanzaListener(m -> atHigh.add((Message) m), StanzaTypeFilter.MESSAGE);
            low.addAsyncStanzaListener(m -> atLow.add((Message) m), StanzaTypeFilter.MESSAGE);
            PingManager.getInstanceFor(high).pingMyServer();
            PingManager.getInstanceFor(low).pingMyServer();
            sender.sendStanza(MessageBuilder.buildMessage().to(jid("judy")).ofType(Message.Type.chat).setBody("to bare").build());
            assertThat(atHigh.poll(10, TimeUnit.SECONDS).getBody()).isEqualTo("to bare");
            // A full JID reaches the negative-priority resource anyway (RFC 6121 §8.5.3.1).
            sender.sendStanza(MessageBuilder.buildMessage().to(JidCreate.entityFullFrom("judy@example.test/low"))
                    .ofType(Message.Type.chat).setBody("to low").build());
            assertThat(atLow.poll(10, TimeUnit.SECONDS).getBody()).isEqualTo("to low");
            assertThat(atHigh.poll(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(atLow.poll(200, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            high.disconnect();
            low.disconnect();
            sender.disconnect();
        }
    }

    @Test
    void aSecondLoginWithTheSameResourceReplacesTheFirst() throws Exception {
        XMPPTCPConnection first = login("carol", "same");
        CountDownLatch closed = new CountDownLatch(1);
        first.addConnectionListener(new org.jivesoftware.smack.ConnectionListener() {
            @Override
            public void connectionClosedOnError(Exception e) {
                closed.countDown();
            }
        });
        XMPPTCPConnection second = login("carol", "same");
        try {
            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(second.isAuthenticated()).isTrue();
            assertThat(second.getUser().getResourcepart().toString()).isEqualTo("same");
        } finally {
            first.disconnect();
            second.disconnect();
        }
    }

    @Test
    void discoVersionTimePingAndLastActivity() throws Exception {
        XMPPTCPConnection c = login("dave", "tools");
        try {
            DiscoverInfo info = ServiceDiscoveryManager.getInstanceFor(c).discoverInfo(JidCreate.domainBareFrom(TestServer.DOMAIN));
            assertThat(info.getIdentities()).anyMatch(i -> i.getCategory().equals("server") && i.getType().equals("im"));
            for (String f : new String[]{"urn:xmpp:ping", "jabber:iq:version", "urn:xmpp:time", "jabber:iq:last",
                    "jabber:iq:private", "msgoffline", "http://jabber.org/protocol/disco#info"}) {
                assertThat(info.containsFeature(f)).as(f).isTrue();
            }
            Version v = VersionManager.getInstanceFor(c).getVersion(JidCreate.domainBareFrom(TestServer.DOMAIN));
            assertThat(v.getName()).isEqualTo("Switchboard");
            assertThat(EntityTimeManager.getInstanceFor(c).getTime(JidCreate.domainBareFrom(TestServer.DOMAIN)).getUtc()).isNotNull();
            assertThat(PingManager.getInstanceFor(c).ping(JidCreate.domainBareFrom(TestServer.DOMAIN))).isTrue();
            LastActivity up = LastActivityManager.getInstanceFor(c).getLastActivity(JidCreate.domainBareFrom(TestServer.DOMAIN));
            assertThat(up.getIdleTime()).isGreaterThanOrEqualTo(0);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void lastSeenIsVisibleToContactsAndForbiddenToOthers() throws Exception {
        XMPPTCPConnection a = login("erin", "last");
        XMPPTCPConnection b = login("grace", "last");
        befriend(a, b);
        b.disconnect();
        XMPPTCPConnection stranger = login("ivan", "last");
        try {
            waitFor(() -> server.server().sessions().of(io.switchboard.jid.Jid.of("grace@" + TestServer.DOMAIN)).isEmpty());
            LastActivity la = LastActivityManager.getInstanceFor(a).getLastActivity(jid("grace"));
            assertThat(la.getIdleTime()).isBetween(0L, 60L);
            assertThatThrownBy(() -> LastActivityManager.getInstanceFor(stranger).getLastActivity(jid("grace")))
                    .isInstanceOf(XMPPException.XMPPErrorException.class)
                    .satisfies(e -> assertThat(((XMPPException.XMPPErrorException) e).getStanzaError().getCondition())
                            .isEqualTo(StanzaError.Condition.forbidden));
        } finally {
            a.disconnect();
            stranger.disconnect();
        }
    }

    @Test
    void theServerPingsIdleClients() throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort())) {
            c.loginAndBind(server.clientSslContext(), TestServer.DOMAIN, "frank", "frank-pw", "idle");
            XmlElement ping = c.element(Ns.CLIENT, "iq");
            assertThat(ping.child(Ns.PING, "ping")).isNotNull();
            assertThat(ping.attr("from")).isEqualTo(TestServer.DOMAIN);
            // Not answering gets the stream closed with connection-timeout.
            assertThat(c.streamError()).isEqualTo("connection-timeout");
        }
    }

    @Test
    void directTlsLogin() throws Exception {
        try (RawClient c = RawClient.connectTls(server.c2sTlsPort(), server.clientSslContext())) {
            c.open(TestServer.DOMAIN);
            c.header();
            XmlElement f = c.element(Ns.STREAMS, "features");
            assertThat(f.child(Ns.TLS, "starttls")).isNull();
            assertThat(f.child(Ns.SASL, "mechanisms").elements(Ns.SASL, "mechanism")).extracting(XmlElement::text)
                    .contains("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN");
            c.plainLogin("judy", "judy-pw", TestServer.DOMAIN);
        }
    }

    @Test
    void privateXmlStorageRoundTrip() throws Exception {
        XMPPTCPConnection c = login("heidi", "priv");
        try {
            org.jivesoftware.smackx.iqprivate.PrivateDataManager pdm =
                    org.jivesoftware.smackx.iqprivate.PrivateDataManager.getInstanceFor(c);
            var data = new org.jivesoftware.smackx.iqprivate.packet.DefaultPrivateData("notes", "urn:example:notes");
            data.setValue("text", "remember the milk");
            pdm.setPrivateData(data);
            var back = (org.jivesoftware.smackx.iqprivate.packet.DefaultPrivateData) pdm.getPrivateData("notes", "urn:example:notes");
            assertThat(back.getValue("text")).isEqualTo("remember the milk");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void clientsCannotBeReachedAtAnUnboundResource() throws Exception {
        XMPPTCPConnection c = login("bob", "iq");
        try {
            assertThatThrownBy(() -> ServiceDiscoveryManager.getInstanceFor(c)
                    .discoverInfo(JidCreate.entityFullFrom("alice@example.test/nowhere")))
                    .isInstanceOf(XMPPException.XMPPErrorException.class)
                    .satisfies(e -> assertThat(((XMPPException.XMPPErrorException) e).getStanzaError().getCondition())
                            .isEqualTo(StanzaError.Condition.service_unavailable));
        } finally {
            c.disconnect();
        }
    }
}
