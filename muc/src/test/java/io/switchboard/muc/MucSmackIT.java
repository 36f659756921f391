package io.switchboard.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.testing.Clients;
import io.switchboard.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.RoomInfo;
import org.jivesoftware.smackx.muc.UserStatusListener;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Group chat with Smack's MultiUserChat, as a real client library uses it. */
class MucSmackIT {

    static final String D = TestServer.DOMAIN;
    static final String S = "conference." + D;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of(), c -> new io.switchboard.store.memory.InMemoryStorage(),
                List.of(new MucModule()));
        for (String u : new String[]{"alice", "bob", "carol"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static XMPPTCPConnection connect(String user) throws Exception {
        return Clients.login(server, user, user + "-pw", "smack");
    }

    static EntityBareJid room(String local) throws Exception {
        return JidCreate.entityBareFrom(local + "@" + S);
    }

    static Resourcepart nick(String n) throws Exception {
        return Resourcepart.from(n);
    }

    /** The next message with a body (the subject sent on join has none). */
    static Message next(BlockingQueue<Message> q) throws InterruptedException {
        while (true) {
            Message m = q.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            if (m.getBody() != null) {
                return m;
            }
        }
    }

    @Test
    void createConfigureTalkKickAndBan() throws Exception {
        XMPPTCPConnection a = connect("alice");
        XMPPTCPConnection b = connect("bob");
        XMPPTCPConnection c = connect("carol");
        try {
            MultiUserChatManager am = MultiUserChatManager.getInstanceFor(a);
            MultiUserChat ar = am.getMultiUserChat(room("smackroom"));
            ar.create(nick("Alice")).getConfigFormManager().setRoomName("Smack room").setChangeSubjectByOccupant(true)
                    .submitConfigurationForm();
            RoomInfo info = am.getRoomInfo(room("smackroom"));
            assertThat(info.getName()).isEqualTo("Smack room");
            assertThat(info.isPersistent()).isFalse();
            assertThat(am.getRoomsHostedBy(JidCreate.domainBareFrom(S))).containsKey(room("smackroom"));

            MultiUserChat br = MultiUserChatManager.getInstanceFor(b).getMultiUserChat(room("smackroom"));
            BlockingQueue<Message> atBob = new LinkedBlockingQueue<>();
            br.addMessageListener(atBob::add);
            // Smack 4.5's join() returns once its presence listener has seen the self-presence but
            // before that listener adds it to the occupants; the participant listeners run after it.
            BlockingQueue<Presence> seenByBob = new LinkedBlockingQueue<>();
            br.addParticipantListener(seenByBob::add);
            br.join(nick("Bob"));
            Presence own;
            do {
                own = seenByBob.poll(10, TimeUnit.SECONDS);
                assertThat(own).as("bob's own presence within 10 s").isNotNull();
            } while (!own.getFrom().toString().equals("smackroom@" + S + "/Bob"));
            assertThat(br.getOccupants()).hasSize(2);
            MultiUserChat cr = MultiUserChatManager.getInstanceFor(c).getMultiUserChat(room("smackroom"));
            BlockingQueue<Message> atCarol = new LinkedBlockingQueue<>();
            cr.addMessageListener(atCarol::add);
            cr.join(nick("Carol"));

            ar.sendMessage("welcome");
            Message mb = next(atBob);
            Message mc = next(atCarol);
            assertThat(mb.getBody()).isEqualTo("welcome");
            assertThat(mb.getFrom().toString()).isEqualTo("smackroom@" + S + "/Alice");
            String idAtBob = mb.getExtensionElement("stanza-id", "urn:xmpp:sid:0").toXML().toString();
            String idAtCarol = mc.getExtensionElement("stanza-id", "urn:xmpp:sid:0").toXML().toString();
            assertThat(idAtBob).isEqualTo(idAtCarol);

            BlockingQueue<String> subjects = new LinkedBlockingQueue<>();
            cr.addSubjectUpdatedListener((subject, from) -> subjects.add(subject + " by " + from));
            br.changeSubject("Bob's topic");
            assertThat(subjects.poll(10, TimeUnit.SECONDS)).isEqualTo("Bob's topic by smackroom@" + S + "/Bob");
            br.changeNickname(nick("Robert"));
            assertThat(br.getNickname().toString()).isEqualTo("Robert");

            // A participant may not kick.
            assertThatThrownBy(() -> br.kickParticipant(nick("Carol"), "go"))
                    .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class,
                            e -> assertThat(e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.forbidden));

            BlockingQueue<String> carolStatus = new LinkedBlockingQueue<>();
            cr.addUserStatusListener(new UserStatusListener() {
                @Override
                public void kicked(Jid actor, String reason) {
                    carolStatus.add("kicked:" + reason);
                }
            });
            ar.kickParticipant(nick("Carol"), "be nice");
            assertThat(carolStatus.poll(10, TimeUnit.SECONDS)).isEqualTo("kicked:be nice");

            BlockingQueue<String> bobStatus = new LinkedBlockingQueue<>();
            br.addUserStatusListener(new UserStatusListener() {
                @Override
                public void banned(Jid actor, String reason) {
                    bobStatus.add("banned:" + reason);
                }
            });
            ar.banUser(JidCreate.bareFrom("bob@" + D), "spam");
            assertThat(bobStatus.poll(10, TimeUnit.SECONDS)).isEqualTo("banned:spam");
            assertThat(ar.getOutcasts()).extracting(o -> o.getJid().toString()).containsExactly("bob@" + D);
            MultiUserChat again = MultiUserChatManager.getInstanceFor(b).getMultiUserChat(room("smackroom"));
            assertThatThrownBy(() -> again.join(nick("Bob")))
                    .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class,
                            e -> assertThat(e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.forbidden));
        } finally {
            a.disconnect();
            b.disconnect();
            c.disconnect();
        }
    }

    @Test
    void passwordMembersOnlyAndDestroy() throws Exception {
        XMPPTCPConnection a = connect("alice");
        XMPPTCPConnection b = connect("bob");
        try {
            MultiUserChat ar = MultiUserChatManager.getInstanceFor(a).getMultiUserChat(room("vault"));
            ar.create(nick("Alice")).getConfigFormManager().setAndEnablePassword("s3cret").makeMembersOnly()
                    .makeModerated().submitConfigurationForm();
            RoomInfo info = MultiUserChatManager.getInstanceFor(b).getRoomInfo(room("vault"));
            assertThat(info.isPasswordProtected()).isTrue();
            assertThat(info.isMembersOnly()).isTrue();
            assertThat(info.isModerated()).isTrue();
            MultiUserChat br = MultiUserChatManager.getInstanceFor(b).getMultiUserChat(room("vault"));
            assertThatThrownBy(() -> br.join(nick("Bob"), "s3cret"))
                    .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class,
                            e -> assertThat(e.getStanzaError().getCondition())
                                    .isEqualTo(StanzaError.Condition.registration_required));
            ar.grantMembership(JidCreate.bareFrom("bob@" + D));
            assertThatThrownBy(() -> br.join(nick("Bob"), "wrong"))
                    .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class,
                            e -> assertThat(e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.not_authorized));
            br.join(nick("Bob"), "s3cret");
            assertThat(ar.getMembers()).extracting(m -> m.getJid().toString()).containsExactly("bob@" + D);
            ar.revokeVoice(nick("Bob"));
            ar.grantVoice(nick("Bob"));

            BlockingQueue<String> destroyed = new LinkedBlockingQueue<>();
            br.addUserStatusListener(new UserStatusListener() {
                @Override
                public void roomDestroyed(MultiUserChat alternate, String password, String reason) {
                    destroyed.add(reason + "|" + (alternate == null ? null : alternate.getRoom()));
                }
            });
            ar.destroy("closing", room("lobby"));
            assertThat(destroyed.poll(10, TimeUnit.SECONDS)).isEqualTo("closing|lobby@" + S);
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }
}
