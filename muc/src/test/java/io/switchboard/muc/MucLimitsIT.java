package io.switchboard.muc;

import static io.switchboard.muc.MucIT.S;
import static io.switchboard.muc.MucIT.codes;
import static io.switchboard.muc.MucIT.error;
import static org.assertj.core.api.Assertions.assertThat;

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

/** The service's limits, and occupants whose connection goes away. */
class MucLimitsIT {

    static final String D = TestServer.DOMAIN;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("muc.rooms-per-user", "2", "muc.max-message-size", "1KiB",
                "muc.max-occupants", "2", "muc.joins-per-minute", "3"), c -> new InMemoryStorage(),
                List.of(new MucModule()));
        for (String u : new String[]{"creator", "talker", "a", "b", "c", "hopper", "stayer", "leaver", "ghost"}) {
            server.addUser(u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawClient login(String user, boolean presence) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, user, user + "-pw", "r");
        if (presence) {
            c.send("<presence/>");
        }
        return c;
    }

    static XmlElement enter(RawClient c, String room, String nick) throws Exception {
        c.send("<presence to='" + room + "@" + S + "/" + nick + "'/>");
        while (true) {
            XmlElement p = MucIT.presence(c);
            boolean fromRoom = p.attr("from").startsWith(room + "@");
            if (fromRoom && ("error".equals(p.attr("type")) || p.attr("type") == null && codes(p).contains(110))) {
                return p;
            }
        }
    }

    @Test
    void roomsPerUser() throws Exception {
        try (RawClient c = login("creator", false)) {
            assertThat(codes(enter(c, "one", "x"))).contains(201);
            assertThat(codes(enter(c, "two", "x"))).contains(201);
            assertThat(error(enter(c, "three", "x"))).isEqualTo("not-allowed");
        }
    }

    @Test
    void messageSizeAndOccupantLimits() throws Exception {
        try (RawClient t = login("talker", false); RawClient a = login("a", false); RawClient b = login("b", false)) {
            enter(t, "big", "t");
            t.send("<message to='big@" + S + "' type='groupchat' id='huge'><body>" + "x".repeat(2000) + "</body></message>");
            XmlElement bounced = t.element(Ns.CLIENT, "message");
            while (!"huge".equals(bounced.attr("id"))) {
                bounced = t.element(Ns.CLIENT, "message");
            }
            assertThat(error(bounced)).isEqualTo("policy-violation");
            assertThat(enter(a, "big", "a").attr("type")).isNull();
            assertThat(error(enter(b, "big", "b"))).isEqualTo("service-unavailable");
        }
    }

    @Test
    void joinRate() throws Exception {
        try (RawClient host = login("c", false); RawClient h = login("hopper", false)) {
            enter(host, "hub", "host");
            for (int i = 0; i < 3; i++) {
                assertThat(enter(h, "hub", "h").attr("type")).isNull();
                h.send("<presence type='unavailable' to='hub@" + S + "/h'/>");
            }
            assertThat(error(enter(h, "hub", "h"))).isEqualTo("policy-violation");
        }
    }

    @Test
    void occupantsWhoseConnectionEndsLeave() throws Exception {
        try (RawClient stayer = login("stayer", true)) {
            enter(stayer, "place", "s");
            // With initial presence: the server sends unavailable to the room on the user's behalf.
            RawClient leaver = login("leaver", true);
            enter(leaver, "place", "l");
            MucIT.presence(stayer);
            leaver.socket().close();
            XmlElement gone = MucIT.presence(stayer);
            assertThat(gone.attr("type")).isEqualTo("unavailable");
            assertThat(gone.attr("from")).isEqualTo("place@" + S + "/l");
            // Without: the first message that bounces removes the occupant (status 333).
            RawClient ghost = login("ghost", false);
            enter(ghost, "place", "g");
            MucIT.presence(stayer);
            ghost.socket().close();
            var ghostJid = io.switchboard.jid.Jid.of("ghost@" + D + "/r");
            long until = System.nanoTime() + 10_000_000_000L;
            while (server.server().sessions().get(ghostJid) != null) {
                assertThat(System.nanoTime()).as("disconnect noticed").isLessThan(until);
                Thread.onSpinWait();
            }
            stayer.send("<message to='place@" + S + "' type='groupchat'><body>anyone?</body></message>");
            XmlElement removed = MucIT.presence(stayer);
            assertThat(removed.attr("from")).isEqualTo("place@" + S + "/g");
            assertThat(codes(removed)).contains(333);
        }
    }

}
