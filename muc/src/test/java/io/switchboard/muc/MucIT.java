package io.switchboard.muc;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.store.MucRoomRecord;
import io.switchboard.store.MucRoomStore;
import io.switchboard.store.StorageException;
import java.util.Optional;

import io.switchboard.store.memory.InMemoryMucRoomStore;
import io.switchboard.store.memory.InMemoryStorage;
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

/** Group chat over raw client connections: the XEP-0045 use cases, the room archive, self-ping. */
class MucIT {

    static final String D = TestServer.DOMAIN;
    static final String S = "conference." + D;
    static final String MUC = "http://jabber.org/protocol/muc";
    static final String USER = MUC + "#user";
    static final String OWNER = MUC + "#owner";
    static final String ADMIN = MUC + "#admin";
    static TestServer server;
    static InMemoryStorage storage;

    @BeforeAll
    static void start() throws Exception {
        storage = new InMemoryStorage();
        server = TestServer.start(Map.of("muc.history-size", "20", "c2s.max-sessions-per-user", "300", "muc.joins-per-minute", "500"), c -> storage,
                List.of(new MucModule(new InMemoryMucRoomStore())));
        for (String u : new String[]{"alice", "bob", "carol", "dave", "eve"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawClient login(String user) throws Exception {
        return login(server, user, "r");
    }

    static RawClient login(TestServer srv, String user, String resource) throws Exception {
        RawClient c = RawClient.connect(srv.c2sPort()).loginAndBind(srv.clientSslContext(), D, user, user + "-pw", resource);
        c.send("<presence/>");
        return c;
    }

    /** The next presence from the group chat service (the user's own presence broadcast is skipped). */
    static XmlElement presence(RawClient c) throws Exception {
        while (true) {
            XmlElement p = c.element(Ns.CLIENT, "presence");
            String from = p.attr("from");
            if (from != null && from.contains("@" + S)) {
                return p;
            }
        }
    }

    /** The self-presence (status 110) after the presences of the others; the others' are returned first. */
    static List<XmlElement> joinPresences(RawClient c) throws Exception {
        List<XmlElement> out = new ArrayList<>();
        while (true) {
            XmlElement p = presence(c);
            out.add(p);
            if (p.attr("type") != null && p.attr("type").equals("error")) {
                return out;
            }
            if (codes(p).contains(110)) {
                return out;
            }
        }
    }

    static List<Integer> codes(XmlElement stanza) {
        XmlElement x = stanza.child(USER, "x");
        List<Integer> out = new ArrayList<>();
        if (x != null) {
            for (XmlElement s : x.elements(USER, "status")) {
                out.add(Integer.parseInt(s.attr("code")));
            }
        }
        return out;
    }

    static XmlElement item(XmlElement stanza) {
        return stanza.child(USER, "x").child(USER, "item");
    }

    /** Joins and reads up to the subject; returns the self-presence. */
    static XmlElement join(RawClient c, String room, String nick, String extra) throws Exception {
        c.send("<presence to='" + room + "@" + S + "/" + nick + "'><x xmlns='" + MUC + "'>" + extra + "</x></presence>");
        List<XmlElement> ps = joinPresences(c);
        XmlElement self = ps.get(ps.size() - 1);
        if (!"error".equals(self.attr("type"))) {
            XmlElement subject;
            do {
                subject = c.element(Ns.CLIENT, "message");
            } while (subject.child(Ns.CLIENT, "subject") == null);
        }
        return self;
    }

    /** Creates an instant room (§10.1.2) with the given configuration fields. */
    static void create(RawClient owner, String room, String nick, String fields) throws Exception {
        XmlElement self = join(owner, room, nick, "");
        assertThat(codes(self)).contains(110, 201);
        owner.send("<iq type='set' id='cfg' to='" + room + "@" + S + "'><query xmlns='" + OWNER + "'>"
                + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>" + MUC + "#roomconfig</value></field>"
                + fields + "</x></query></iq>");
        XmlElement r = owner.element(Ns.CLIENT, "iq");
        assertThat(r.attr("type")).as(r.toString()).isEqualTo("result");
    }

    static String field(String var, String value) {
        return "<field var='muc#roomconfig_" + var + "'><value>" + value + "</value></field>";
    }

    static XmlElement groupchat(RawClient c) throws Exception {
        while (true) {
            XmlElement m = c.element(Ns.CLIENT, "message");
            if ("groupchat".equals(m.attr("type")) && m.child(Ns.CLIENT, "body") != null) {
                return m;
            }
        }
    }

    static XmlElement iq(RawClient c, String id) throws Exception {
        while (true) {
            XmlElement e = c.element(Ns.CLIENT, "iq");
            if (id.equals(e.attr("id"))) {
                return e;
            }
        }
    }

    static String error(XmlElement stanza) {
        XmlElement e = stanza.child(Ns.CLIENT, "error");
        return e == null ? null : e.childInNs(Ns.STANZA_ERRORS).local();
    }

    @Test
    void createJoinTalkChangeNickAndLeave() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob")) {
            XmlElement self = join(alice, "lobby", "Alice", "");
            assertThat(codes(self)).contains(110, 201);
            assertThat(item(self).attr("affiliation")).isEqualTo("owner");
            assertThat(item(self).attr("role")).isEqualTo("moderator");
            // Locked until configured: others cannot get in.
            bob.send("<presence to='lobby@" + S + "/Bob'><x xmlns='" + MUC + "'/></presence>");
            assertThat(error(presence(bob))).isEqualTo("item-not-found");
            alice.send("<iq type='set' id='inst' to='lobby@" + S + "'><query xmlns='" + OWNER + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
            assertThat(iq(alice, "inst").attr("type")).isEqualTo("result");

            List<XmlElement> ps;
            bob.send("<presence to='lobby@" + S + "/Bob'><x xmlns='" + MUC + "'/><status>here</status></presence>");
            ps = joinPresences(bob);
            assertThat(ps).hasSize(2);
            assertThat(ps.get(0).attr("from")).isEqualTo("lobby@" + S + "/Alice");
            assertThat(item(ps.get(0)).attr("jid")).as("semi-anonymous: no real JID for participants").isNull();
            assertThat(item(ps.get(1)).attr("role")).isEqualTo("participant");
            // Keyed by the server's own secret (random per start in memory mode), which the service gets from it.
            assertThat(ps.get(1).child("urn:xmpp:occupant-id:0", "occupant-id").attr("id")).isEqualTo(
                    MucOccupantIdIT.expectedId(server.server().context().serverSecret(), "lobby@" + S, "bob@" + D));
            XmlElement seenByAlice = presence(alice);
            assertThat(seenByAlice.attr("from")).isEqualTo("lobby@" + S + "/Bob");
            assertThat(item(seenByAlice).attr("jid")).as("moderators see real JIDs").isEqualTo("bob@" + D + "/r");
            assertThat(seenByAlice.childText(Ns.CLIENT, "status")).isEqualTo("here");

            // Conflict on a taken nick.
            try (RawClient carol = login("carol")) {
                carol.send("<presence to='lobby@" + S + "/Bob'><x xmlns='" + MUC + "'/></presence>");
                assertThat(error(presence(carol))).isEqualTo("conflict");
            }

            bob.send("<message to='lobby@" + S + "' type='groupchat' id='m1'><body>hello room</body></message>");
            XmlElement atAlice = groupchat(alice);
            XmlElement atBob = groupchat(bob);
            assertThat(atAlice.attr("from")).isEqualTo("lobby@" + S + "/Bob");
            assertThat(atBob.attr("id")).isEqualTo("m1");
            XmlElement sid = atAlice.child("urn:xmpp:sid:0", "stanza-id");
            assertThat(sid.attr("by")).isEqualTo("lobby@" + S);
            assertThat(atBob.child("urn:xmpp:sid:0", "stanza-id").attr("id")).isEqualTo(sid.attr("id"));

            // Private message between occupants.
            alice.send("<message to='lobby@" + S + "/Bob' type='chat'><body>psst</body></message>");
            XmlElement pm = bob.element(Ns.CLIENT, "message");
            assertThat(pm.attr("from")).isEqualTo("lobby@" + S + "/Alice");
            assertThat(pm.childText(Ns.CLIENT, "body")).isEqualTo("psst");
            assertThat(pm.child(USER, "x")).isNotNull();

            // A client refusing a private message stays in the room (the nick change below proves it).
            bob.send("<message type='error' to='lobby@" + S + "/Alice'><error type='cancel'>"
                    + "<feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");

            // Nick change (§7.6).
            bob.send("<presence to='lobby@" + S + "/Robert'/>");
            XmlElement gone = presence(bob);
            assertThat(gone.attr("type")).isEqualTo("unavailable");
            assertThat(codes(gone)).contains(303, 110);
            assertThat(item(gone).attr("nick")).isEqualTo("Robert");
            XmlElement back = presence(bob);
            assertThat(back.attr("from")).isEqualTo("lobby@" + S + "/Robert");
            assertThat(codes(presence(alice))).contains(303);
            assertThat(presence(alice).attr("from")).isEqualTo("lobby@" + S + "/Robert");

            // A join again under the same nick (a client that lost its state) gets the join sequence again.
            bob.send("<presence to='lobby@" + S + "/Robert'><x xmlns='" + MUC + "'><history maxstanzas='0'/></x></presence>");
            List<XmlElement> again = joinPresences(bob);
            assertThat(again).extracting(p -> p.attr("from")).containsExactly("lobby@" + S + "/Alice", "lobby@" + S + "/Robert");
            assertThat(bob.element(Ns.CLIENT, "message").child(Ns.CLIENT, "subject")).isNotNull();
            assertThat(presence(alice).attr("from")).isEqualTo("lobby@" + S + "/Robert");

            // Subject.
            alice.send("<message to='lobby@" + S + "' type='groupchat'><subject>Plans</subject></message>");
            XmlElement subj = bob.element(Ns.CLIENT, "message");
            assertThat(subj.childText(Ns.CLIENT, "subject")).isEqualTo("Plans");
            bob.send("<message to='lobby@" + S + "' type='groupchat' id='s2'><subject>Mine</subject></message>");
            assertThat(error(bob.element(Ns.CLIENT, "message"))).isEqualTo("forbidden");

            // Leave.
            bob.send("<presence type='unavailable' to='lobby@" + S + "/Robert'/>");
            XmlElement left = presence(bob);
            assertThat(left.attr("type")).isEqualTo("unavailable");
            assertThat(codes(left)).contains(110);
            assertThat(presence(alice).attr("type")).isEqualTo("unavailable");
            // Not an occupant any more.
            bob.send("<message to='lobby@" + S + "' type='groupchat' id='m9'><body>still?</body></message>");
            assertThat(error(bob.element(Ns.CLIENT, "message"))).isEqualTo("not-acceptable");
        }
    }

    /**
     * The interop suite's {@code mucLeaveTest} (reported through {@code InteropIT.RACY}): a user joins a room that does
     * not exist (created and locked, XEP-0045 §10.1.1), leaves it at once, and joins the same name again.
     */
    @Test
    void theSoleOwnerLeavingALockedRoomGetsItsSelfPresenceAndTheRoomGoes() throws Exception {
        try (RawClient carol = login("carol")) {
            XmlElement created = join(carol, "leave-at-once", "nick-one", "");
            assertThat(codes(created)).contains(110, 201);
            carol.send("<presence type='unavailable' id='bye' to='leave-at-once@" + S + "/nick-one'/>");
            XmlElement left = presence(carol);
            assertThat(left.attr("type")).isEqualTo("unavailable");
            assertThat(left.attr("from")).isEqualTo("leave-at-once@" + S + "/nick-one");
            assertThat(left.attr("to")).isEqualTo("carol@" + D + "/r");
            assertThat(codes(left)).contains(110);
            assertThat(item(left).attr("role")).isEqualTo("none");
            // The room was locked and is empty: it went (§10.1.1), so the same join creates it again.
            XmlElement again = join(carol, "leave-at-once", "nick-one", "");
            assertThat(codes(again)).contains(110, 201);
        }
    }

    @Test
    void twoSessionsOfOneUserShareANick() throws Exception {
        try (RawClient alice = login("alice"); RawClient phone = login(server, "carol", "phone");
             RawClient laptop = login(server, "carol", "laptop")) {
            create(alice, "shared", "A", "");
            join(phone, "shared", "Carol", "");
            presence(alice);
            // The second session gets the room's state and its self-presence; alice sees no new occupant.
            List<XmlElement> ps;
            laptop.send("<presence to='shared@" + S + "/Carol'><x xmlns='" + MUC + "'/></presence>");
            ps = joinPresences(laptop);
            assertThat(ps).extracting(p -> p.attr("from")).containsExactly("shared@" + S + "/A", "shared@" + S + "/Carol");
            alice.send("<message to='shared@" + S + "' type='groupchat'><body>both?</body></message>");
            String id = groupchat(phone).child("urn:xmpp:sid:0", "stanza-id").attr("id");
            assertThat(groupchat(laptop).child("urn:xmpp:sid:0", "stanza-id").attr("id")).isEqualTo(id);
            alice.send("<message to='shared@" + S + "/Carol' type='chat'><body>private</body></message>");
            assertThat(phone.element(Ns.CLIENT, "message").childText(Ns.CLIENT, "body")).isEqualTo("private");
            assertThat(laptop.element(Ns.CLIENT, "message").childText(Ns.CLIENT, "body")).isEqualTo("private");
            // The phone leaves: only it is told; carol stays in the room with the laptop.
            phone.send("<presence type='unavailable' to='shared@" + S + "/Carol'/>");
            XmlElement left = presence(phone);
            assertThat(left.attr("type")).isEqualTo("unavailable");
            alice.send("<message to='shared@" + S + "' type='groupchat'><body>still there?</body></message>");
            assertThat(groupchat(laptop).childText(Ns.CLIENT, "body")).isEqualTo("still there?");
            // Another user cannot take the nick.
            try (RawClient bob = login("bob")) {
                bob.send("<presence to='shared@" + S + "/Carol'><x xmlns='" + MUC + "'/></presence>");
                assertThat(error(presence(bob))).isEqualTo("conflict");
            }
        }
    }

    @Test
    void historyOnJoinHonoursTheRequestedLimits() throws Exception {
        try (RawClient alice = login("alice")) {
            create(alice, "history", "A", "");
            for (int i = 1; i <= 5; i++) {
                alice.send("<message to='history@" + S + "' type='groupchat'><body>line " + i + "</body></message>");
                groupchat(alice);
            }
            alice.send("<message to='history@" + S + "' type='groupchat'><subject>Topic</subject></message>");
            try (RawClient bob = login("bob")) {
                bob.send("<presence to='history@" + S + "/B'><x xmlns='" + MUC + "'><history maxstanzas='2'/></x></presence>");
                joinPresences(bob);
                XmlElement h1 = bob.element(Ns.CLIENT, "message");
                XmlElement h2 = bob.element(Ns.CLIENT, "message");
                XmlElement subject = bob.element(Ns.CLIENT, "message");
                assertThat(h1.childText(Ns.CLIENT, "body")).isEqualTo("line 4");
                assertThat(h2.childText(Ns.CLIENT, "body")).isEqualTo("line 5");
                assertThat(h1.child(Ns.DELAY, "delay").attr("from")).isEqualTo("history@" + S);
                assertThat(subject.childText(Ns.CLIENT, "subject")).isEqualTo("Topic");
                assertThat(subject.attr("from")).isEqualTo("history@" + S + "/A");
            }
            try (RawClient carol = login("carol")) {
                carol.send("<presence to='history@" + S + "/C'><x xmlns='" + MUC + "'><history maxstanzas='0'/></x></presence>");
                joinPresences(carol);
                assertThat(carol.element(Ns.CLIENT, "message").childText(Ns.CLIENT, "subject")).isEqualTo("Topic");
            }
        }
    }

    @Test
    void passwordMembersOnlyAndBans() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient carol = login("carol")) {
            create(alice, "secret", "A", field("passwordprotectedroom", "1") + field("roomsecret", "sesame"));
            bob.send("<presence to='secret@" + S + "/B'><x xmlns='" + MUC + "'/></presence>");
            assertThat(error(presence(bob))).isEqualTo("not-authorized");
            bob.send("<presence to='secret@" + S + "/B'><x xmlns='" + MUC + "'><password>wrong</password></x></presence>");
            assertThat(error(presence(bob))).isEqualTo("not-authorized");
            XmlElement in = join(bob, "secret", "B", "<password>sesame</password>");
            assertThat(in.attr("type")).isNull();
            presence(alice);

            // Ban (§9.1): bob leaves with 301 and cannot come back.
            alice.send("<iq type='set' id='ban' to='secret@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='outcast' jid='bob@" + D + "'><reason>spam</reason></item></query></iq>");
            XmlElement banned = presence(bob);
            assertThat(banned.attr("type")).isEqualTo("unavailable");
            assertThat(codes(banned)).contains(301, 110);
            assertThat(item(banned).childText(USER, "reason")).isEqualTo("spam");
            assertThat(iq(alice, "ban").attr("type")).isEqualTo("result");
            bob.send("<presence to='secret@" + S + "/B'><x xmlns='" + MUC + "'><password>sesame</password></x></presence>");
            assertThat(error(presence(bob))).isEqualTo("forbidden");

            // Members-only: carol needs membership.
            create(alice, "club", "A", field("membersonly", "1"));
            carol.send("<presence to='club@" + S + "/C'><x xmlns='" + MUC + "'/></presence>");
            assertThat(error(presence(carol))).isEqualTo("registration-required");
            alice.send("<iq type='set' id='mem' to='club@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='member' jid='carol@" + D + "'/></query></iq>");
            assertThat(iq(alice, "mem").attr("type")).isEqualTo("result");
            assertThat(join(carol, "club", "C", "").attr("type")).isNull();
            alice.send("<iq type='get' id='list' to='club@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='member'/></query></iq>");
            XmlElement list = iq(alice, "list");
            assertThat(list.child(ADMIN, "query").elements(ADMIN, "item")).extracting(e -> e.attr("jid"))
                    .containsExactly("carol@" + D);
            // A member may not ban.
            carol.send("<iq type='set' id='cb' to='club@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='outcast' jid='alice@" + D + "'/></query></iq>");
            assertThat(error(iq(carol, "cb"))).isEqualTo("forbidden");
            // Losing membership removes her (321).
            alice.send("<iq type='set' id='rm' to='club@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='none' jid='carol@" + D + "'/></query></iq>");
            XmlElement out = presence(carol);
            while (!"unavailable".equals(out.attr("type"))) {
                out = presence(carol);
            }
            assertThat(codes(out)).contains(321);
            // The last owner cannot leave the room ownerless.
            alice.send("<iq type='set' id='last' to='club@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='member' jid='alice@" + D + "'/></query></iq>");
            assertThat(error(iq(alice, "last"))).isEqualTo("conflict");
        }
    }

    @Test
    void kickModerationAndVoiceRequests() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient carol = login("carol")) {
            create(alice, "stage", "A", field("moderatedroom", "1"));
            XmlElement b = join(bob, "stage", "B", "");
            assertThat(item(b).attr("role")).isEqualTo("visitor");
            presence(alice);
            bob.send("<message to='stage@" + S + "' type='groupchat' id='v1'><body>can I talk?</body></message>");
            assertThat(error(bob.element(Ns.CLIENT, "message"))).isEqualTo("forbidden");
            // Voice request (§7.13) reaches the moderator; approving it grants voice (§8.6).
            bob.send("<message to='stage@" + S + "'><x xmlns='jabber:x:data' type='submit'>"
                    + "<field var='FORM_TYPE'><value>" + MUC + "#request</value></field>"
                    + "<field var='muc#role'><value>participant</value></field></x></message>");
            XmlElement req = alice.element(Ns.CLIENT, "message");
            assertThat(req.child(Ns.DATA_FORMS, "x")).isNotNull();
            alice.send("<message to='stage@" + S + "'><x xmlns='jabber:x:data' type='submit'>"
                    + "<field var='FORM_TYPE'><value>" + MUC + "#request</value></field>"
                    + "<field var='muc#role'><value>participant</value></field>"
                    + "<field var='muc#roomnick'><value>B</value></field>"
                    + "<field var='muc#request_allow'><value>true</value></field></x></message>");
            XmlElement voiced = presence(bob);
            assertThat(item(voiced).attr("role")).isEqualTo("participant");
            bob.send("<message to='stage@" + S + "' type='groupchat' id='v2'><body>thanks</body></message>");
            assertThat(groupchat(bob).childText(Ns.CLIENT, "body")).isEqualTo("thanks");
            // Revoke voice with the admin protocol.
            alice.send("<iq type='set' id='rv' to='stage@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item nick='B' role='visitor'/></query></iq>");
            assertThat(item(presence(bob)).attr("role")).isEqualTo("visitor");
            // A visitor cannot kick.
            join(carol, "stage", "C", "");
            bob.send("<iq type='set' id='bk' to='stage@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item nick='C' role='none'/></query></iq>");
            assertThat(error(iq(bob, "bk"))).isEqualTo("forbidden");
            // Kick (§8.2): 307 for everyone, 110 for the kicked.
            alice.send("<iq type='set' id='kick' to='stage@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item nick='C' role='none'><reason>noise</reason></item></query></iq>");
            XmlElement kicked = presence(carol);
            while (!"unavailable".equals(kicked.attr("type"))) {
                kicked = presence(carol);
            }
            assertThat(codes(kicked)).contains(307, 110);
            assertThat(item(kicked).child(USER, "actor").attr("nick")).isEqualTo("A");
            XmlElement seen = presence(bob);
            while (!"unavailable".equals(seen.attr("type"))) {
                seen = presence(bob);
            }
            assertThat(codes(seen)).contains(307).doesNotContain(110);
            // Owners cannot be kicked.
            alice.send("<iq type='set' id='self' to='stage@" + S + "'><query xmlns='" + ADMIN + "'>"
                    + "<item nick='A' role='none'/></query></iq>");
            assertThat(error(iq(alice, "self"))).isEqualTo("not-allowed");
        }
    }

    @Test
    void configurationFormDiscoAndDestroy() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob")) {
            join(alice, "conf", "A", "");
            alice.send("<iq type='get' id='form' to='conf@" + S + "'><query xmlns='" + OWNER + "'/></iq>");
            XmlElement form = iq(alice, "form").child(OWNER, "query").child(Ns.DATA_FORMS, "x");
            List<String> vars = form.elements(Ns.DATA_FORMS, "field").stream().map(f -> f.attr("var")).toList();
            assertThat(vars).contains("muc#roomconfig_roomname", "muc#roomconfig_roomdesc", "muc#roomconfig_persistentroom",
                    "muc#roomconfig_publicroom", "muc#roomconfig_membersonly", "muc#roomconfig_moderatedroom",
                    "muc#roomconfig_passwordprotectedroom", "muc#roomconfig_roomsecret", "muc#roomconfig_whois",
                    "muc#roomconfig_maxusers", "muc#roomconfig_changesubject", "muc#roomconfig_allowinvites",
                    "muc#roomconfig_allowpm", "muc#roomconfig_enablelogging", "muc#roomconfig_getmemberlist");
            alice.send("<iq type='set' id='bad' to='conf@" + S + "'><query xmlns='" + OWNER + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("maxusers", "lots") + "</x></query></iq>");
            assertThat(error(iq(alice, "bad"))).isEqualTo("not-acceptable");
            alice.send("<iq type='set' id='ok' to='conf@" + S + "'><query xmlns='" + OWNER + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("roomname", "Conference") + field("roomdesc", "Talks")
                    + field("whois", "anyone") + "</x></query></iq>");
            assertThat(iq(alice, "ok").attr("type")).isEqualTo("result");
            XmlElement self = join(bob, "conf", "B", "");
            assertThat(codes(self)).contains(100);
            // Non-owners may not configure.
            bob.send("<iq type='get' id='nf' to='conf@" + S + "'><query xmlns='" + OWNER + "'/></iq>");
            assertThat(error(iq(bob, "nf"))).isEqualTo("forbidden");
            // Room disco with muc#roominfo.
            bob.send("<iq type='get' id='di' to='conf@" + S + "'><query xmlns='" + Ns.DISCO_INFO + "'/></iq>");
            XmlElement info = iq(bob, "di").child(Ns.DISCO_INFO, "query");
            assertThat(info.child(Ns.DISCO_INFO, "identity").attr("name")).isEqualTo("Conference");
            assertThat(info.elements(Ns.DISCO_INFO, "feature")).extracting(f -> f.attr("var"))
                    .contains(MUC, "muc_nonanonymous", "muc_public", "muc_temporary", "urn:xmpp:mam:2");
            assertThat(info.child(Ns.DATA_FORMS, "x").toString()).contains("muc#roominfo_occupants", "Talks");
            // The service lists public rooms.
            bob.send("<iq type='get' id='items' to='" + S + "'><query xmlns='" + Ns.DISCO_ITEMS + "'/></iq>");
            assertThat(iq(bob, "items").child(Ns.DISCO_ITEMS, "query").elements(Ns.DISCO_ITEMS, "item"))
                    .extracting(i -> i.attr("jid") + "|" + i.attr("name")).contains("conf@" + S + "|Conference");
            bob.send("<iq type='get' id='si' to='" + S + "'><query xmlns='" + Ns.DISCO_INFO + "'/></iq>");
            XmlElement sinfo = iq(bob, "si").child(Ns.DISCO_INFO, "query");
            assertThat(sinfo.child(Ns.DISCO_INFO, "identity").attr("category")).isEqualTo("conference");
            // The server lists the service.
            bob.send("<iq type='get' id='srv' to='" + D + "'><query xmlns='" + Ns.DISCO_ITEMS + "'/></iq>");
            assertThat(iq(bob, "srv").toString()).contains(S);
            // Destroy with an alternate venue.
            alice.send("<iq type='set' id='des' to='conf@" + S + "'><query xmlns='" + OWNER + "'>"
                    + "<destroy jid='lobby@" + S + "'><reason>moved</reason></destroy></query></iq>");
            XmlElement d = presence(bob);
            while (!"unavailable".equals(d.attr("type"))) {
                d = presence(bob);
            }
            XmlElement destroy = d.child(USER, "x").child(USER, "destroy");
            assertThat(destroy.attr("jid")).isEqualTo("lobby@" + S);
            assertThat(destroy.childText(USER, "reason")).isEqualTo("moved");
            assertThat(iq(alice, "des").attr("type")).isEqualTo("result");
            bob.send("<iq type='get' id='gone' to='conf@" + S + "'><query xmlns='" + Ns.DISCO_INFO + "'/></iq>");
            assertThat(error(iq(bob, "gone"))).isEqualTo("item-not-found");
        }
    }

    @Test
    void roomArchiveSelfPingInvitationsAndModeration() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient dave = login("dave")) {
            create(alice, "archive", "A", "");
            join(bob, "archive", "B", "");
            presence(alice);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= 7; i++) {
                alice.send("<message to='archive@" + S + "' type='groupchat'><body>msg " + i + "</body></message>");
                ids.add(groupchat(alice).child("urn:xmpp:sid:0", "stanza-id").attr("id"));
                groupchat(bob);
            }
            // Page through the room archive, 3 at a time.
            List<String> bodies = new ArrayList<>();
            String after = null;
            boolean complete = false;
            int pages = 0;
            while (!complete) {
                String q = "q" + pages;
                bob.send("<iq type='set' id='" + q + "' to='archive@" + S + "'><query xmlns='urn:xmpp:mam:2' queryid='" + q + "'>"
                        + "<set xmlns='http://jabber.org/protocol/rsm'><max>3</max>"
                        + (after == null ? "" : "<after>" + after + "</after>") + "</set></query></iq>");
                while (true) {
                    XmlElement e = bob.element();
                    if (e.is(Ns.CLIENT, "message")) {
                        XmlElement r = e.child("urn:xmpp:mam:2", "result");
                        assertThat(e.attr("from")).isEqualTo("archive@" + S);
                        XmlElement fwd = r.child("urn:xmpp:forward:0", "forwarded").child(Ns.CLIENT, "message");
                        assertThat(fwd.attr("from")).isEqualTo("archive@" + S + "/A");
                        bodies.add(fwd.childText(Ns.CLIENT, "body"));
                    } else if (e.is(Ns.CLIENT, "iq") && q.equals(e.attr("id"))) {
                        XmlElement fin = e.child("urn:xmpp:mam:2", "fin");
                        complete = "true".equals(fin.attr("complete"));
                        after = fin.child("http://jabber.org/protocol/rsm", "set").childText("http://jabber.org/protocol/rsm", "last");
                        break;
                    }
                }
                pages++;
                assertThat(pages).isLessThan(10);
            }
            assertThat(bodies).containsExactly("msg 1", "msg 2", "msg 3", "msg 4", "msg 5", "msg 6", "msg 7");
            assertThat(pages).isEqualTo(3);
            // A non-occupant of a public room may read it too; nothing changes for a non-occupant's ping.
            dave.send("<iq type='get' id='sp' to='archive@" + S + "/B'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(error(iq(dave, "sp"))).isEqualTo("not-acceptable");
            bob.send("<iq type='get' id='sp2' to='archive@" + S + "/B'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(iq(bob, "sp2").attr("type")).isEqualTo("result");

            // IQ proxying (§7.5): alice asks B's client for its version without knowing its JID.
            alice.send("<iq type='get' id='ver' to='archive@" + S + "/B'><query xmlns='jabber:iq:version'/></iq>");
            XmlElement forwarded = bob.element(Ns.CLIENT, "iq");
            assertThat(forwarded.attr("from")).isEqualTo("archive@" + S + "/A");
            bob.send("<iq type='result' id='" + forwarded.attr("id") + "' to='archive@" + S + "/A'>"
                    + "<query xmlns='jabber:iq:version'><name>bobclient</name><version>1</version></query></iq>");
            XmlElement answer = iq(alice, "ver");
            assertThat(answer.attr("type")).isEqualTo("result");
            assertThat(answer.attr("from")).isEqualTo("archive@" + S + "/B");
            assertThat(answer.child("jabber:iq:version", "query").childText("jabber:iq:version", "name")).isEqualTo("bobclient");

            // Mediated invitation (§7.8.2).
            bob.send("<message to='archive@" + S + "'><x xmlns='" + USER + "'><invite to='dave@" + D + "'>"
                    + "<reason>join us</reason></invite></x></message>");
            XmlElement inv = dave.element(Ns.CLIENT, "message");
            assertThat(inv.attr("from")).isEqualTo("archive@" + S);
            assertThat(inv.child(USER, "x").child(USER, "invite").attr("from")).isEqualTo("bob@" + D);

            // Moderation (XEP-0425): the message goes, a tombstone stays.
            alice.send("<iq type='set' id='mod' to='archive@" + S + "'><moderate xmlns='urn:xmpp:message-moderate:1' id='"
                    + ids.get(0) + "'><retract xmlns='urn:xmpp:message-retract:1'/><reason>oops</reason></moderate></iq>");
            XmlElement retraction = bob.element(Ns.CLIENT, "message");
            assertThat(retraction.child("urn:xmpp:message-retract:1", "retract").attr("id")).isEqualTo(ids.get(0));
            assertThat(iq(alice, "mod").attr("type")).isEqualTo("result");
            bob.send("<iq type='set' id='mod2' to='archive@" + S + "'><moderate xmlns='urn:xmpp:message-moderate:1' id='"
                    + ids.get(1) + "'><retract xmlns='urn:xmpp:message-retract:1'/></moderate></iq>");
            assertThat(error(iq(bob, "mod2"))).isEqualTo("forbidden");
            bob.send("<iq type='set' id='qt' to='archive@" + S + "'><query xmlns='urn:xmpp:mam:2' queryid='qt'>"
                    + "<set xmlns='http://jabber.org/protocol/rsm'><max>1</max></set></query></iq>");
            XmlElement first = bob.element(Ns.CLIENT, "message");
            XmlElement tomb = first.child("urn:xmpp:mam:2", "result").child("urn:xmpp:forward:0", "forwarded")
                    .child(Ns.CLIENT, "message");
            assertThat(tomb.child(Ns.CLIENT, "body")).isNull();
            assertThat(tomb.child("urn:xmpp:message-retract:1", "retracted")).isNotNull();
            iq(bob, "qt");
        }
    }

    @Test
    void oneStanzaIdForTwoHundredOccupants() throws Exception {
        int n = 200;
        List<RawClient> clients = new ArrayList<>();
        try (RawClient alice = login("alice")) {
            create(alice, "crowd", "host", "");
            // Logins in parallel (each waits for the server's TLS and SASL steps), 16 at a time.
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
            try {
                List<java.util.concurrent.Future<RawClient>> logins = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String user = "crowd" + i;
                    server.addUser(user, user + "-pw");
                    // No initial presence: a join needs none, and the accounts are not each other's contacts.
                    logins.add(pool.submit(() -> RawClient.connect(server.c2sPort())
                            .loginAndBind(server.clientSslContext(), D, user, user + "-pw", "d")));
                }
                for (int i = 0; i < n; i++) {
                    clients.add(logins.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdown();
            }
            // Joins in batches of 20, each batch waiting for its self-presences (in the order the lane took them).
            for (int batch = 0; batch < n; batch += 20) {
                for (int i = batch; i < batch + 20; i++) {
                    clients.get(i).send("<presence to='crowd@" + S + "/nick" + i + "'><x xmlns='" + MUC + "'>"
                            + "<history maxstanzas='0'/></x></presence>");
                }
                for (int i = batch; i < batch + 20; i++) {
                    List<XmlElement> ps = joinPresences(clients.get(i));
                    assertThat(ps.get(ps.size() - 1).attr("type")).isNull();
                    assertThat(ps.size()).as("earlier occupants, then itself").isBetween(batch + 2, batch + 21);
                }
            }
            long t0 = System.nanoTime();
            alice.send("<message to='crowd@" + S + "' type='groupchat'><body>to everyone</body></message>");
            String id = groupchat(alice).child("urn:xmpp:sid:0", "stanza-id").attr("id");
            for (int i = 0; i < n; i++) {
                XmlElement m = groupchat(clients.get(i));
                assertThat(m.child("urn:xmpp:sid:0", "stanza-id").attr("id")).isEqualTo(id);
                assertThat(m.attr("to")).isEqualTo("crowd" + i + "@" + D + "/d");
            }
            System.out.printf("fan-out to %d occupants received by all in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    /** A room store whose writes can be made to fail, as a database that went away. */
    static final class FlakyRoomStore implements MucRoomStore {
        final InMemoryMucRoomStore rooms = new InMemoryMucRoomStore();
        volatile boolean failSaves;

        @Override
        public void save(MucRoomRecord room) {
            if (failSaves) {
                throw new StorageException("the database is away", null);
            }
            rooms.save(room);
        }

        @Override
        public Optional<MucRoomRecord> load(Jid room) {
            return rooms.load(room);
        }

        @Override
        public List<MucRoomRecord> list(String serviceDomain) {
            return rooms.list(serviceDomain);
        }

        @Override
        public boolean delete(Jid room) {
            return rooms.delete(room);
        }
    }

    @Test
    void anInvitationWhoseNewMemberCannotBeSavedChangesNothing() throws Exception {
        FlakyRoomStore rooms = new FlakyRoomStore();
        InMemoryStorage st = new InMemoryStorage();
        try (TestServer srv = TestServer.start(Map.of(), c -> st, List.of(new MucModule(rooms)))) {
            srv.addUser("owner", "owner-pw");
            srv.addUser("guest", "guest-pw");
            try (RawClient o = login(srv, "owner", "r"); RawClient g = login(srv, "guest", "r")) {
                create(o, "vault", "O", field("persistentroom", "1") + field("membersonly", "1"));
                rooms.failSaves = true;
                o.send("<message to='vault@" + S + "' id='inv'><x xmlns='" + USER + "'><invite to='guest@" + D
                        + "'/></x></message>");
                XmlElement bounced = o.element(Ns.CLIENT, "message");
                assertThat(bounced.attr("type")).isEqualTo("error");
                assertThat(error(bounced)).isEqualTo("internal-server-error");
                rooms.failSaves = false;
                // The invitee was not made a member behind the error.
                g.send("<presence to='vault@" + S + "/G'><x xmlns='" + MUC + "'/></presence>");
                assertThat(error(presence(g))).isEqualTo("registration-required");
            }
        }
    }

    @Test
    void persistentRoomsSurviveARestart() throws Exception {
        InMemoryMucRoomStore rooms = new InMemoryMucRoomStore();
        InMemoryStorage shared = new InMemoryStorage();
        try (TestServer first = TestServer.start(Map.of(), c -> shared, List.of(new MucModule(rooms)))) {
            first.addUser("owner", "owner-pw");
            first.addUser("member", "member-pw");
            try (RawClient o = login(first, "owner", "r")) {
                join(o, "keep", "O", "");
                o.send("<iq type='set' id='cfg' to='keep@" + S + "'><query xmlns='" + OWNER + "'>"
                        + "<x xmlns='jabber:x:data' type='submit'>" + field("persistentroom", "1")
                        + field("membersonly", "1") + field("roomname", "Kept") + "</x></query></iq>");
                assertThat(iq(o, "cfg").attr("type")).isEqualTo("result");
                o.send("<iq type='set' id='mem' to='keep@" + S + "'><query xmlns='" + ADMIN + "'>"
                        + "<item affiliation='member' jid='member@" + D + "'/></query></iq>");
                assertThat(iq(o, "mem").attr("type")).isEqualTo("result");
                o.send("<message to='keep@" + S + "' type='groupchat'><subject>Still here</subject></message>");
                o.send("<message to='keep@" + S + "' type='groupchat'><body>before restart</body></message>");
                groupchat(o);
            }
        }
        // The second server takes the store from its storage, as the launcher will (Storage::mucRooms).
        try (TestServer second = TestServer.start(Map.of(), c -> shared, List.of(new MucModule(storage -> rooms)));
             RawClient m = login(second, "member", "r")) {
            m.send("<presence to='keep@" + S + "/M'><x xmlns='" + MUC + "'/></presence>");
            XmlElement self = joinPresences(m).get(0);
            assertThat(self.attr("type")).isNull();
            XmlElement history = m.element(Ns.CLIENT, "message");
            assertThat(history.childText(Ns.CLIENT, "body")).isEqualTo("before restart");
            XmlElement subject = m.element(Ns.CLIENT, "message");
            assertThat(subject.childText(Ns.CLIENT, "subject")).isEqualTo("Still here");
            m.send("<iq type='get' id='di' to='keep@" + S + "'><query xmlns='" + Ns.DISCO_INFO + "'/></iq>");
            XmlElement info = iq(m, "di").child(Ns.DISCO_INFO, "query");
            assertThat(info.child(Ns.DISCO_INFO, "identity").attr("name")).isEqualTo("Kept");
            assertThat(info.elements(Ns.DISCO_INFO, "feature")).extracting(f -> f.attr("var"))
                    .contains("muc_persistent", "muc_membersonly");
        }
    }
}
