package io.switchboard.muc;

import static io.switchboard.muc.MucIT.ADMIN;
import static io.switchboard.muc.MucIT.MUC;
import static io.switchboard.muc.MucIT.OWNER;
import static io.switchboard.muc.MucIT.S;
import static io.switchboard.muc.MucIT.D;
import static io.switchboard.muc.MucIT.codes;
import static io.switchboard.muc.MucIT.create;
import static io.switchboard.muc.MucIT.error;
import static io.switchboard.muc.MucIT.field;
import static io.switchboard.muc.MucIT.iq;
import static io.switchboard.muc.MucIT.item;
import static io.switchboard.muc.MucIT.join;
import static io.switchboard.muc.MucIT.joinPresences;
import static io.switchboard.muc.MucIT.presence;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.store.memory.InMemoryMucRoomStore;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nick registration (XEP-0045 §7.10, §7.12) and {@code muc#roomconfig_presencebroadcast} over raw
 * client connections.
 */
class MucRegistrationIT {

    static final String REG = "jabber:iq:register";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("muc.joins-per-minute", "500"), c -> new InMemoryStorage(),
                List.of(new MucModule(new InMemoryMucRoomStore())));
        for (String u : new String[]{"alice", "bob", "carol", "dave"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawClient login(String user) throws Exception {
        return MucIT.login(server, user, "r");
    }

    static String registerForm(String nick) {
        return "<query xmlns='" + REG + "'><x xmlns='jabber:x:data' type='submit'>"
                + "<field var='FORM_TYPE'><value>" + MUC + "#register</value></field>"
                + (nick == null ? "" : "<field var='muc#register_roomnick'><value>" + nick + "</value></field>")
                + "</x></query>";
    }

    static XmlElement ask(RawClient c, String id, String to, String type, String payload) throws Exception {
        c.send("<iq type='" + type + "' id='" + id + "' to='" + to + "'>" + payload + "</iq>");
        return iq(c, id);
    }

    /** The next presence from one room JID (others' are skipped). */
    static XmlElement presenceFrom(RawClient c, String from) throws Exception {
        while (true) {
            XmlElement p = presence(c);
            if (from.equals(p.attr("from"))) {
                return p;
            }
        }
    }

    /** §7.12: the registered nick, or null when the room knows none for the asker. */
    static String reservedNick(RawClient c, String room) throws Exception {
        XmlElement r = ask(c, "nick-" + System.nanoTime(), room + "@" + S, "get",
                "<query xmlns='" + Ns.DISCO_INFO + "' node='x-roomuser-item'/>");
        assertThat(r.attr("type")).as(r.toString()).isEqualTo("result");
        XmlElement id = r.child(Ns.DISCO_INFO, "query").child(Ns.DISCO_INFO, "identity");
        if (id == null) {
            return null;
        }
        assertThat(id.attr("category")).isEqualTo("conference");
        assertThat(id.attr("type")).isEqualTo("text");
        return id.attr("name");
    }

    @Test
    void registerDiscoverReserveAndUnregister() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient carol = login("carol")) {
            String room = "reg@" + S;
            create(alice, "reg", "A", "");
            join(bob, "reg", "B", "");
            presence(alice);

            // Discovery: the room advertises registration; bob has no nick yet.
            XmlElement info = ask(bob, "di", room, "get", "<query xmlns='" + Ns.DISCO_INFO + "'/>");
            assertThat(info.child(Ns.DISCO_INFO, "query").elements(Ns.DISCO_INFO, "feature"))
                    .extracting(f -> f.attr("var")).contains(REG);
            assertThat(reservedNick(bob, "reg")).isNull();

            // The form (§7.10).
            XmlElement form = ask(bob, "get1", room, "get", "<query xmlns='" + REG + "'/>");
            assertThat(form.attr("type")).isEqualTo("result");
            XmlElement x = form.child(REG, "query").child(Ns.DATA_FORMS, "x");
            assertThat(x.attr("type")).isEqualTo("form");
            assertThat(x.elements(Ns.DATA_FORMS, "field")).extracting(f -> f.attr("var"))
                    .contains("FORM_TYPE", "muc#register_roomnick");
            assertThat(x.toString()).contains(MUC + "#register");

            // Bad submissions.
            assertThat(error(ask(bob, "bad1", room, "set", registerForm(null)))).isEqualTo("bad-request");
            assertThat(error(ask(bob, "bad2", room, "set", "<query xmlns='" + REG + "'/>"))).isEqualTo("bad-request");

            // Bob registers while in the room: he becomes a member, the others see it.
            bob.send("<iq type='set' id='set1' to='" + room + "'>" + registerForm("Bobby") + "</iq>");
            XmlElement seen = presence(alice);
            assertThat(seen.attr("from")).isEqualTo(room + "/B");
            assertThat(item(seen).attr("affiliation")).isEqualTo("member");
            assertThat(iq(bob, "set1").attr("type")).isEqualTo("result");
            XmlElement again = ask(bob, "get2", room, "get", "<query xmlns='" + REG + "'/>");
            assertThat(again.child(REG, "query").child(REG, "registered")).isNotNull();
            assertThat(again.child(REG, "query").childText(REG, "username")).isEqualTo("Bobby");
            assertThat(reservedNick(bob, "reg")).isEqualTo("Bobby");
            XmlElement members = ask(alice, "ml", room, "get",
                    "<query xmlns='" + ADMIN + "'><item affiliation='member'/></query>");
            assertThat(members.child(ADMIN, "query").elements(ADMIN, "item")).extracting(i -> i.attr("jid"))
                    .containsExactly("bob@" + D);

            // The nick is reserved: carol can neither join with it (in any case) nor register it nor change to it.
            carol.send("<presence to='" + room + "/bobby'><x xmlns='" + MUC + "'/></presence>");
            assertThat(error(presence(carol))).isEqualTo("conflict");
            assertThat(error(ask(carol, "set2", room, "set", registerForm("BOBBY")))).isEqualTo("conflict");
            assertThat(reservedNick(carol, "reg")).isNull();
            join(carol, "reg", "C", "");
            presence(alice);
            presence(bob);
            carol.send("<presence to='" + room + "/Bobby'/>");
            assertThat(error(presence(carol))).isEqualTo("conflict");
            // Nor may she register the nick another occupant is using.
            assertThat(error(ask(carol, "set3", room, "set", registerForm("b")))).isEqualTo("conflict");

            // Bob himself takes his nick.
            bob.send("<presence to='" + room + "/Bobby'/>");
            assertThat(codes(presence(bob))).contains(303);
            assertThat(presence(bob).attr("from")).isEqualTo(room + "/Bobby");

            // Cancelling (XEP-0077 <remove/>): carol has nothing to cancel; bob loses nick and membership.
            assertThat(error(ask(carol, "rm1", room, "set", "<query xmlns='" + REG + "'><remove/></query>")))
                    .isEqualTo("registration-required");
            bob.send("<iq type='set' id='rm2' to='" + room + "'><query xmlns='" + REG + "'><remove/></query></iq>");
            // Alice sees bob's nick change (unavailable 303, then Bobby as a member), then Bobby unaffiliated.
            assertThat(codes(presenceFrom(alice, room + "/B"))).contains(303);
            assertThat(item(presenceFrom(alice, room + "/Bobby")).attr("affiliation")).isEqualTo("member");
            assertThat(item(presenceFrom(alice, room + "/Bobby")).attr("affiliation")).isEqualTo("none");
            assertThat(iq(bob, "rm2").attr("type")).isEqualTo("result");
            assertThat(reservedNick(bob, "reg")).isNull();
            assertThat(ask(bob, "get3", room, "get", "<query xmlns='" + REG + "'/>").child(REG, "query")
                    .child(Ns.DATA_FORMS, "x")).isNotNull();
            // Once bob leaves, carol may register the nick.
            bob.send("<presence type='unavailable' to='" + room + "/Bobby'/>");
            presence(bob);
            assertThat(ask(carol, "set4", room, "set", registerForm("Bobby")).attr("type")).isEqualTo("result");
            assertThat(reservedNick(carol, "reg")).isEqualTo("Bobby");
        }
    }

    @Test
    void whoMayRegister() throws Exception {
        try (RawClient alice = login("alice"); RawClient dave = login("dave"); RawClient carol = login("carol")) {
            create(alice, "closed", "A", "<field var='x-switchboard#roomconfig_registration'><value>none</value></field>");
            XmlElement info = ask(dave, "ci", "closed@" + S, "get", "<query xmlns='" + Ns.DISCO_INFO + "'/>");
            assertThat(info.child(Ns.DISCO_INFO, "query").elements(Ns.DISCO_INFO, "feature"))
                    .extracting(f -> f.attr("var")).doesNotContain(REG);
            assertThat(error(ask(dave, "c1", "closed@" + S, "get", "<query xmlns='" + REG + "'/>"))).isEqualTo("not-allowed");

            // Members-only: registration does not make members at once (it awaits an admin's approval,
            // see MucRegistrationApprovalIT); members may reserve a nick.
            create(alice, "club", "A", field("membersonly", "1"));
            assertThat(ask(dave, "m1", "club@" + S, "set", registerForm("Dave")).attr("type")).isEqualTo("result");
            assertThat(reservedNick(dave, "club")).isNull();
            assertThat(ask(alice, "m2", "club@" + S, "set", "<query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='member' jid='carol@" + D + "'/></query>").attr("type")).isEqualTo("result");
            assertThat(ask(carol, "m3", "club@" + S, "set", registerForm("Caro")).attr("type")).isEqualTo("result");
            assertThat(reservedNick(carol, "club")).isEqualTo("Caro");
            // Removing her membership ends the reservation.
            assertThat(ask(alice, "m4", "club@" + S, "set", "<query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='none' jid='carol@" + D + "'/></query>").attr("type")).isEqualTo("result");
            assertThat(reservedNick(carol, "club")).isNull();

            // An outcast may not register.
            create(alice, "open", "A", "");
            assertThat(ask(alice, "o1", "open@" + S, "set", "<query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='outcast' jid='dave@" + D + "'/></query>").attr("type")).isEqualTo("result");
            assertThat(error(ask(dave, "o2", "open@" + S, "set", registerForm("Dave")))).isEqualTo("forbidden");
        }
    }

    @Test
    void registeredNicksSurviveARestart() throws Exception {
        InMemoryMucRoomStore rooms = new InMemoryMucRoomStore();
        InMemoryStorage shared = new InMemoryStorage();
        try (TestServer first = TestServer.start(Map.of(), c -> shared, List.of(new MucModule(rooms)))) {
            first.addUser("owner", "owner-pw");
            first.addUser("regular", "regular-pw");
            first.addUser("other", "other-pw");
            try (RawClient o = MucIT.login(first, "owner", "r"); RawClient r = MucIT.login(first, "regular", "r")) {
                create(o, "kept", "O", field("persistentroom", "1"));
                XmlElement res = ask(r, "reg", "kept@" + S, "set", registerForm("Regular"));
                assertThat(res.attr("type")).isEqualTo("result");
            }
        }
        try (TestServer second = TestServer.start(Map.of(), c -> shared, List.of(new MucModule(storage -> rooms)));
             RawClient r = MucIT.login(second, "regular", "r"); RawClient other = MucIT.login(second, "other", "r")) {
            assertThat(reservedNick(r, "kept")).isEqualTo("Regular");
            assertThat(ask(r, "g", "kept@" + S, "get", "<query xmlns='" + REG + "'/>").child(REG, "query")
                    .childText(REG, "username")).isEqualTo("Regular");
            other.send("<presence to='kept@" + S + "/regular'><x xmlns='" + MUC + "'/></presence>");
            assertThat(error(presence(other))).isEqualTo("conflict");
            XmlElement self = join(r, "kept", "Regular", "");
            assertThat(item(self).attr("affiliation")).isEqualTo("member");
        }
    }

    @Test
    void presenceOfVisitorsIsNotBroadcastWhenTheRoomSaysSo() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient carol = login("carol")) {
            String room = "quiet@" + S;
            create(alice, "quiet", "A", field("moderatedroom", "1")
                    + "<field var='muc#roomconfig_presencebroadcast'><value>moderator</value><value>participant</value></field>");
            XmlElement form = ask(alice, "f", room, "get", "<query xmlns='" + OWNER + "'/>");
            XmlElement pb = form.child(OWNER, "query").child(Ns.DATA_FORMS, "x").elements(Ns.DATA_FORMS, "field").stream()
                    .filter(f -> "muc#roomconfig_presencebroadcast".equals(f.attr("var"))).findFirst().orElseThrow();
            assertThat(pb.elements(Ns.DATA_FORMS, "value")).extracting(XmlElement::text)
                    .containsExactly("moderator", "participant");

            // Bob joins as a visitor: he gets his own presence, nobody else hears of him.
            XmlElement self = join(bob, "quiet", "B", "");
            assertThat(item(self).attr("role")).isEqualTo("visitor");
            assertThat(codes(self)).contains(110);
            // Carol (a member, so a participant) joins next: she sees alice only, and alice's next
            // room presence is carol's, not bob's.
            assertThat(ask(alice, "mem", room, "set", "<query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='member' jid='carol@" + D + "'/></query>").attr("type")).isEqualTo("result");
            carol.send("<presence to='" + room + "/C'><x xmlns='" + MUC + "'/></presence>");
            List<XmlElement> ps = joinPresences(carol);
            assertThat(ps).extracting(p -> p.attr("from")).containsExactly(room + "/A", room + "/C");
            assertThat(presence(alice).attr("from")).isEqualTo(room + "/C");
            XmlElement items = ask(carol, "items", room, "get", "<query xmlns='" + Ns.DISCO_ITEMS + "'/>");
            assertThat(items.child(Ns.DISCO_ITEMS, "query").elements(Ns.DISCO_ITEMS, "item")).extracting(i -> i.attr("jid"))
                    .containsExactlyInAnyOrder(room + "/A", room + "/C");

            // Voice makes bob a participant: now he is announced; silenced again, he goes from view.
            alice.send("<iq type='set' id='v' to='" + room + "'><query xmlns='" + ADMIN + "'>"
                    + "<item nick='B' role='participant'/></query></iq>");
            XmlElement shown = presence(carol);
            assertThat(shown.attr("from")).isEqualTo(room + "/B");
            assertThat(shown.attr("type")).isNull();
            assertThat(item(shown).attr("role")).isEqualTo("participant");
            assertThat(item(presenceFrom(bob, room + "/B")).attr("role")).isEqualTo("participant");
            alice.send("<iq type='set' id='s' to='" + room + "'><query xmlns='" + ADMIN + "'>"
                    + "<item nick='B' role='visitor'/></query></iq>");
            XmlElement hidden = presence(carol);
            assertThat(hidden.attr("from")).isEqualTo(room + "/B");
            assertThat(hidden.attr("type")).isEqualTo("unavailable");
            XmlElement own = presenceFrom(bob, room + "/B");
            assertThat(own.attr("type")).isNull();
            assertThat(item(own).attr("role")).isEqualTo("visitor");
            // Bob leaves: only he is told; carol's next room presence is alice's nick change.
            bob.send("<presence type='unavailable' to='" + room + "/B'/>");
            assertThat(presenceFrom(bob, room + "/B").attr("type")).isEqualTo("unavailable");
            alice.send("<presence to='" + room + "/Alice'/>");
            XmlElement next = presence(carol);
            assertThat(next.attr("from")).isEqualTo(room + "/A");
            assertThat(codes(next)).contains(303);
        }
    }
}
