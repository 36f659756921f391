package io.switchboard.muc;

import static io.switchboard.muc.MucIT.D;
import static io.switchboard.muc.MucIT.S;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * XEP-0421 occupant ids are keyed by the server's secret, which the service gets from the server
 * (its module context): the same user gets the same id in a room after a restart.
 */
class MucOccupantIdIT {

    /** The id the server's secret gives a user in a room. */
    static String expectedId(byte[] secret, String room, String bareUser) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] h = mac.doFinal((room + " " + bareUser).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(h, 15));
    }

    /**
     * With {@code storage.mode} postgres the server keeps its secret in the data directory (the
     * storage itself is in memory here: the mode decides nothing else in a test server).
     */
    static TestServer start(Path dataDir) throws Exception {
        TestServer server = TestServer.start(Map.of("data-dir", dataDir.toString(), "storage.mode", "postgres"),
                c -> new InMemoryStorage(), List.of(new MucModule()));
        server.addUser("alice", "alice-pw");
        return server;
    }

    static String occupantIdOnJoin(TestServer server) throws Exception {
        try (RawClient alice = MucIT.login(server, "alice", "r")) {
            XmlElement self = MucIT.join(alice, "stable", "A", "");
            assertThat(MucIT.codes(self)).contains(110, 201);
            return self.child(Room.OCCUPANT_ID, "occupant-id").attr("id");
        }
    }

    @Test
    void occupantIdIsKeyedByTheServersSecretAndOutlivesARestart() throws Exception {
        Path dir = Files.createTempDirectory("switchboard-muc-occupant-id");
        try {
            String first;
            byte[] secret;
            try (TestServer server = start(dir)) {
                secret = server.server().context().serverSecret();
                assertThat(secret).isEqualTo(Files.readAllBytes(dir.resolve("server.secret")));
                first = occupantIdOnJoin(server);
                assertThat(first).isEqualTo(expectedId(secret, "stable@" + S, "alice@" + D));
            }
            try (TestServer server = start(dir)) {
                assertThat(server.server().context().serverSecret()).isEqualTo(secret);
                assertThat(occupantIdOnJoin(server)).as("the same id after a restart").isEqualTo(first);
            }
        } finally {
            TestServer.deleteTree(dir);
        }
    }
}
