package io.switchboard.muc;

import static io.switchboard.muc.MucIT.ADMIN;
import static io.switchboard.muc.MucIT.D;
import static io.switchboard.muc.MucIT.MUC;
import static io.switchboard.muc.MucIT.S;
import static io.switchboard.muc.MucIT.create;
import static io.switchboard.muc.MucIT.error;
import static io.switchboard.muc.MucIT.field;
import static io.switchboard.muc.MucIT.item;
import static io.switchboard.muc.MucIT.join;
import static io.switchboard.muc.MucIT.presence;
import static io.switchboard.muc.MucRegistrationIT.REG;
import static io.switchboard.muc.MucRegistrationIT.ask;
import static io.switchboard.muc.MucRegistrationIT.registerForm;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.store.memory.InMemoryMucRoomStore;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Approval of registration requests (XEP-0045 §9.9) over raw client connections: the request is
 * acknowledged at once, the owners and admins get the {@code muc#register} form, and the one who
 * submits it back decides.
 */
class MucRegistrationApprovalIT {

    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("muc.joins-per-minute", "500", "muc.pending-registrations", "2"),
                c -> new InMemoryStorage(), List.of(new MucModule(new InMemoryMucRoomStore())));
        for (String u : new String[]{"alice", "bob", "carol", "dave", "erin"}) {
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

    /** The next message from the room carrying a data form (other stanzas are skipped). */
    static XmlElement formMessage(RawClient c, String room) throws Exception {
        while (true) {
            XmlElement m = c.element(Ns.CLIENT, "message");
            if (room.equals(m.attr("from")) && m.child(Ns.DATA_FORMS, "x") != null) {
                return m;
            }
        }
    }

    /** The next message from the room with a body that is not groupchat: the outcome of a request. */
    static String outcome(RawClient c, String room) throws Exception {
        while (true) {
            XmlElement m = c.element(Ns.CLIENT, "message");
            if (room.equals(m.attr("from")) && m.attr("type") == null && m.child(Ns.CLIENT, "body") != null) {
                return m.childText(Ns.CLIENT, "body");
            }
        }
    }

    /** The next message error from the room. */
    static String messageError(RawClient c, String room) throws Exception {
        while (true) {
            XmlElement m = c.element(Ns.CLIENT, "message");
            if (room.equals(m.attr("from")) && "error".equals(m.attr("type"))) {
                return error(m);
            }
        }
    }

    static Map<String, XmlElement> fields(XmlElement message) {
        Map<String, XmlElement> out = new LinkedHashMap<>();
        for (XmlElement f : message.child(Ns.DATA_FORMS, "x").elements(Ns.DATA_FORMS, "field")) {
            out.put(f.attr("var"), f);
        }
        return out;
    }

    static String value(Map<String, XmlElement> fields, String var) {
        return fields.get(var).childText(Ns.DATA_FORMS, "value");
    }

    /** An admin's answer to a request (§9.9: the form submitted back to the room). */
    static String decision(String room, String user, String nick, boolean allow) {
        return "<message to='" + room + "'><x xmlns='jabber:x:data' type='submit'>"
                + "<field var='FORM_TYPE'><value>" + MUC + "#register</value></field>"
                + "<field var='muc#jid'><value>" + user + "@" + D + "</value></field>"
                + "<field var='muc#register_roomnick'><value>" + nick + "</value></field>"
                + "<field var='muc#register_allow'><value>" + (allow ? "1" : "0") + "</value></field>"
                + "</x></message>";
    }

    static List<String> members(RawClient owner, String room) throws Exception {
        XmlElement r = ask(owner, "ml-" + System.nanoTime(), room, "get",
                "<query xmlns='" + ADMIN + "'><item affiliation='member'/></query>");
        return r.child(ADMIN, "query").elements(ADMIN, "item").stream().map(i -> i.attr("jid")).toList();
    }

    @Test
    void anAdminApprovesAndTheRequesterBecomesAMemberWithTheNick() throws Exception {
        try (RawClient alice = login("alice"); RawClient carol = login("carol"); RawClient dave = login("dave");
             RawClient bob = login("bob")) {
            String room = "approve@" + S;
            create(alice, "approve", "A", field("membersonly", "1"));
            // Carol is an admin who is not in the room: she gets the request at her own JID.
            assertThat(ask(alice, "adm", room, "set", "<query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='admin' jid='carol@" + D + "'/></query>").attr("type")).isEqualTo("result");

            // The form is offered to a non-member of a members-only room; the submission is
            // acknowledged at once (§7.10) and does not yet register anything.
            assertThat(ask(dave, "g", room, "get", "<query xmlns='" + REG + "'/>").child(REG, "query")
                    .child(Ns.DATA_FORMS, "x")).isNotNull();
            assertThat(ask(dave, "r1", room, "set", registerForm("Dave")).attr("type")).isEqualTo("result");
            assertThat(MucRegistrationIT.reservedNick(dave, "approve")).isNull();
            dave.send("<presence to='" + room + "/Dave'><x xmlns='" + MUC + "'/></presence>");
            assertThat(error(presence(dave))).isEqualTo("registration-required");

            // Both the owner (an occupant) and the admin get the muc#register form filled in.
            for (RawClient admin : List.of(alice, carol)) {
                XmlElement m = formMessage(admin, room);
                assertThat(m.attr("to")).startsWith(admin == alice ? "alice@" : "carol@");
                assertThat(m.child(Ns.DATA_FORMS, "x").attr("type")).isEqualTo("form");
                Map<String, XmlElement> f = fields(m);
                assertThat(value(f, "FORM_TYPE")).isEqualTo(MUC + "#register");
                assertThat(value(f, "muc#register_roomnick")).isEqualTo("Dave");
                assertThat(value(f, "muc#jid")).isEqualTo("dave@" + D);
                assertThat(f.get("muc#register_allow").attr("type")).isEqualTo("boolean");
                assertThat(value(f, "muc#register_allow")).isIn("0", "false");
            }

            // A second request while the first is pending is refused.
            assertThat(error(ask(dave, "r2", room, "set", registerForm("Davey")))).isEqualTo("conflict");

            // Neither a non-member nor the requester may decide; a form about nobody finds nothing.
            bob.send(decision(room, "dave", "Dave", true));
            assertThat(messageError(bob, room)).isEqualTo("forbidden");
            dave.send(decision(room, "dave", "Dave", true));
            assertThat(messageError(dave, room)).isEqualTo("forbidden");
            carol.send(decision(room, "erin", "Erin", true));
            assertThat(messageError(carol, room)).isEqualTo("item-not-found");
            assertThat(members(alice, room)).isEmpty();

            // The admin approves: dave is told, is a member with the reserved nick, and gets in.
            carol.send(decision(room, "dave", "Dave", true));
            assertThat(outcome(dave, room)).contains("approved");
            assertThat(members(alice, room)).containsExactly("dave@" + D);
            assertThat(MucRegistrationIT.reservedNick(dave, "approve")).isEqualTo("Dave");
            XmlElement reg = ask(dave, "g2", room, "get", "<query xmlns='" + REG + "'/>");
            assertThat(reg.child(REG, "query").childText(REG, "username")).isEqualTo("Dave");
            XmlElement self = join(dave, "approve", "Dave", "");
            assertThat(item(self).attr("affiliation")).isEqualTo("member");
            // The request is gone: approving it again finds nothing.
            carol.send(decision(room, "dave", "Dave", true));
            assertThat(messageError(carol, room)).isEqualTo("item-not-found");
        }
    }

    @Test
    void aDeniedRequestLeavesTheUserUnaffiliatedAndAnOccupantSeesItsNewAffiliationWhenApproved() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient erin = login("erin")) {
            String room = "vetted@" + S;
            create(alice, "vetted", "A", "<field var='x-switchboard#roomconfig_registration'><value>approval</value></field>");
            XmlElement cfg = ask(alice, "cfg", room, "get", "<query xmlns='" + MucIT.OWNER + "'/>");
            assertThat(cfg.toString()).contains("<value>approval</value>");

            // Denied: erin is told, stays unaffiliated without a nick, and may ask again.
            assertThat(ask(erin, "e1", room, "set", registerForm("Erin")).attr("type")).isEqualTo("result");
            assertThat(value(fields(formMessage(alice, room)), "muc#jid")).isEqualTo("erin@" + D);
            alice.send(decision(room, "erin", "Erin", false));
            assertThat(outcome(erin, room)).contains("declined");
            assertThat(members(alice, room)).isEmpty();
            assertThat(MucRegistrationIT.reservedNick(erin, "vetted")).isNull();
            assertThat(ask(erin, "e2", room, "set", registerForm("Erin")).attr("type")).isEqualTo("result");
            formMessage(alice, room);
            // Withdrawn by the requester (XEP-0077 <remove/>): nothing is left to approve.
            assertThat(ask(erin, "e3", room, "set", "<query xmlns='" + REG + "'><remove/></query>").attr("type"))
                    .isEqualTo("result");
            alice.send(decision(room, "erin", "Erin", true));
            assertThat(messageError(alice, room)).isEqualTo("item-not-found");

            // Bob asks while in the room (an open room: he is a participant); on approval every
            // occupant sees his affiliation change.
            join(bob, "vetted", "B", "");
            presence(alice);
            assertThat(ask(bob, "b1", room, "set", registerForm("Bobby")).attr("type")).isEqualTo("result");
            assertThat(value(fields(formMessage(alice, room)), "muc#register_roomnick")).isEqualTo("Bobby");
            alice.send(decision(room, "bob", "Bobby", true));
            XmlElement seen = presence(alice);
            assertThat(seen.attr("from")).isEqualTo(room + "/B");
            assertThat(item(seen).attr("affiliation")).isEqualTo("member");
            assertThat(item(seen).child(MucIT.USER, "actor").attr("nick")).isEqualTo("A");
            assertThat(outcome(bob, room)).contains("approved");
            assertThat(MucRegistrationIT.reservedNick(bob, "vetted")).isEqualTo("Bobby");
        }
    }

    @Test
    void pendingRequestsAreBoundedPerRoom() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient carol = login("carol");
             RawClient dave = login("dave"); RawClient erin = login("erin")) {
            String room = "busy@" + S;
            create(alice, "busy", "A", field("membersonly", "1"));
            assertThat(ask(bob, "b", room, "set", registerForm("Bob")).attr("type")).isEqualTo("result");
            // One nick, one request at a time.
            assertThat(error(ask(erin, "e", room, "set", registerForm("BOB")))).isEqualTo("conflict");
            assertThat(ask(carol, "c", room, "set", registerForm("Carol")).attr("type")).isEqualTo("result");
            // muc.pending-registrations = 2 in this server: a third waits its turn.
            XmlElement full = ask(dave, "d1", room, "set", registerForm("Dave"));
            assertThat(error(full)).isEqualTo("resource-constraint");
            assertThat(full.child(Ns.CLIENT, "error").attr("type")).isEqualTo("wait");
            // Deciding one makes room for it.
            formMessage(alice, room);
            formMessage(alice, room);
            alice.send(decision(room, "bob", "Bob", false));
            assertThat(outcome(bob, room)).contains("declined");
            assertThat(ask(dave, "d2", room, "set", registerForm("Dave")).attr("type")).isEqualTo("result");
            assertThat(value(fields(formMessage(alice, room)), "muc#jid")).isEqualTo("dave@" + D);
        }
    }

    @Test
    void aRequestThatCanNoLongerBeGrantedIsRefused() throws Exception {
        try (RawClient alice = login("alice"); RawClient bob = login("bob"); RawClient dave = login("dave");
             RawClient erin = login("erin")) {
            String room = "contested@" + S;
            create(alice, "contested", "A", "<field var='x-switchboard#roomconfig_registration'><value>approval</value></field>");
            // A decision without the user or the answer is malformed.
            alice.send("<message to='" + room + "'><x xmlns='jabber:x:data' type='submit'>"
                    + "<field var='FORM_TYPE'><value>" + MUC + "#register</value></field>"
                    + "<field var='muc#register_allow'><value>1</value></field></x></message>");
            assertThat(messageError(alice, room)).isEqualTo("bad-request");

            // A pending request does not hold the nick against joins: bob enters as "erin" meanwhile,
            // and the approval then fails; erin is told.
            assertThat(ask(erin, "e", room, "set", registerForm("Erin")).attr("type")).isEqualTo("result");
            formMessage(alice, room);
            join(bob, "contested", "erin", "");
            presence(alice);
            alice.send(decision(room, "erin", "Erin", true));
            assertThat(messageError(alice, room)).isEqualTo("conflict");
            assertThat(outcome(erin, room)).contains("could not be completed");
            assertThat(members(alice, room)).isEmpty();

            // Banning the requester drops the request.
            assertThat(ask(dave, "d", room, "set", registerForm("Dave")).attr("type")).isEqualTo("result");
            formMessage(alice, room);
            assertThat(ask(alice, "ban", room, "set", "<query xmlns='" + ADMIN + "'>"
                    + "<item affiliation='outcast' jid='dave@" + D + "'/></query>").attr("type")).isEqualTo("result");
            alice.send(decision(room, "dave", "Dave", true));
            assertThat(messageError(alice, room)).isEqualTo("item-not-found");
            assertThat(MucRegistrationIT.reservedNick(dave, "contested")).isNull();
        }
    }

    @Test
    void approvedRegistrationsArePersistedAndPendingRequestsAreForgottenAtARestart() throws Exception {
        InMemoryMucRoomStore rooms = new InMemoryMucRoomStore();
        InMemoryStorage shared = new InMemoryStorage();
        Map<String, String> settings = Map.of();
        String room = "kept@" + S;
        try (TestServer first = TestServer.start(settings, c -> shared, List.of(new MucModule(rooms)))) {
            for (String u : new String[]{"owner", "regular", "other"}) {
                first.addUser(u, u + "-pw");
            }
            try (RawClient o = MucIT.login(first, "owner", "r"); RawClient r = MucIT.login(first, "regular", "r");
                 RawClient other = MucIT.login(first, "other", "r")) {
                create(o, "kept", "O", field("persistentroom", "1") + field("membersonly", "1"));
                assertThat(ask(r, "reg", room, "set", registerForm("Regular")).attr("type")).isEqualTo("result");
                formMessage(o, room);
                o.send(decision(room, "regular", "Regular", true));
                assertThat(outcome(r, room)).contains("approved");
                assertThat(ask(other, "reg", room, "set", registerForm("Other")).attr("type")).isEqualTo("result");
                formMessage(o, room);
            }
        }
        try (TestServer second = TestServer.start(settings, c -> shared, List.of(new MucModule(storage -> rooms)));
             RawClient o = MucIT.login(second, "owner", "r"); RawClient r = MucIT.login(second, "regular", "r");
             RawClient other = MucIT.login(second, "other", "r")) {
            assertThat(MucRegistrationIT.reservedNick(r, "kept")).isEqualTo("Regular");
            assertThat(item(join(r, "kept", "Regular", "")).attr("affiliation")).isEqualTo("member");
            // The pending request is gone: nothing to approve, and the user may ask again.
            o.send(decision(room, "other", "Other", true));
            assertThat(messageError(o, room)).isEqualTo("item-not-found");
            assertThat(ask(other, "again", room, "set", registerForm("Other")).attr("type")).isEqualTo("result");
            assertThat(value(fields(formMessage(o, room)), "muc#jid")).isEqualTo("other@" + D);
        }
    }
}
