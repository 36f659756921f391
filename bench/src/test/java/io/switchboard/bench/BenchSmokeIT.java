package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.report.Output;
import io.switchboard.bench.scenario.ArchiveScenario;
import io.switchboard.bench.scenario.ConnectionsScenario;
import io.switchboard.bench.scenario.FanoutScenario;
import io.switchboard.bench.scenario.LatencyScenario;
import io.switchboard.bench.scenario.OfflineScenario;
import io.switchboard.bench.scenario.Scenario;
import io.switchboard.bench.scenario.ThroughputScenario;
import io.switchboard.bench.server.BenchServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each scenario, small, against Switchboard in this JVM (in-memory storage, free loopback
 * ports): proves the harness works. Asserts correctness only (every login succeeded, every
 * message delivered exactly once), never a timing.
 */
@Timeout(value = 50, unit = TimeUnit.SECONDS)
class BenchSmokeIT {

    private static final int USERS = 300;
    private static BenchServer server;
    private static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("bench-smoke");
        server = BenchServer.start(Map.of(
                "domain", "bench.test",
                "c2s.port", "0",
                "c2s.tls-port", "0",
                "data-dir", dataDir.toString(),
                "auth.scram-iterations", "4096"), Map.of());
        server.createUsers("user", 1, USERS, "benchpass", 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Map<String, Object> run(Scenario s, Target t, int threads) throws Exception {
        return Main.runScenario(s, t, threads, Output.quiet(), System.nanoTime() + TimeUnit.SECONDS.toNanos(40));
    }

    private static Target target(String... extra) {
        List<String> a = new ArrayList<>(List.of("--port", Integer.toString(server.c2sPort()), "--domain", "bench.test",
                "--label", "switchboard", "--login-timeout", "20s"));
        a.addAll(List.of(extra));
        return Target.from(new Args(a));
    }

    @Test
    void connectionsLogsEverySessionInOverStarttls() throws Exception {
        Map<String, Object> r = run(new ConnectionsScenario(Args.of("--sessions", "" + USERS, "--rate", "300", "--hold", "1s",
                "--prime", "false")), target(), 2);
        assertThat(r.get("failures")).isNull();
        assertThat(r).containsEntry("logins_ok", USERS).containsEntry("login_failures", 0)
                .containsEntry("dropped_during_hold", 0).containsEntry("ok", true);
    }

    @Test
    void connectionsOverDirectTlsWithScramSha1() throws Exception {
        Target t = Target.from(new Args(List.of("--port", Integer.toString(server.c2sTlsPort()), "--tls", "direct",
                "--domain", "bench.test", "--sasl", "SCRAM-SHA-1", "--login-timeout", "20s")));
        Map<String, Object> r = run(new ConnectionsScenario(Args.of("--sessions", "50", "--rate", "200", "--hold", "0s")), t, 1);
        assertThat(r).containsEntry("logins_ok", 50).containsEntry("mechanism", "SCRAM-SHA-1").containsEntry("ok", true);
    }

    @Test
    void throughputDeliversEveryMessageExactlyOnce() throws Exception {
        Map<String, Object> r = run(new ThroughputScenario(Args.of("--pairs", "40", "--window", "5", "--warmup", "1s",
                "--duration", "2s")), target(), 2);
        assertThat(r.get("errors")).isNull();
        assertThat(((Number) r.get("sent")).longValue()).isPositive();
        assertThat(r.get("delivered")).isEqualTo(r.get("sent"));
        assertThat(r).containsEntry("lost", 0L).containsEntry("duplicates", 0L).containsEntry("unexpected", 0L)
                .containsEntry("session_errors", 0).containsEntry("ok", true);
    }

    @Test
    void latencyAtAFixedRateDeliversEveryMessageExactlyOnce() throws Exception {
        Map<String, Object> r = run(new LatencyScenario(Args.of("--pairs", "40", "--rate", "400", "--warmup", "1s",
                "--duration", "2s")), target(), 1);
        assertThat(((Number) r.get("sent")).longValue()).isGreaterThanOrEqualTo(800);
        assertThat(r.get("delivered")).isEqualTo(r.get("sent"));
        assertThat(((Number) r.get("latency_samples")).longValue()).isPositive();
        assertThat(r).containsEntry("lost", 0L).containsEntry("duplicates", 0L).containsEntry("ok", true);
    }

    @Test
    void offlineMessagesAreStoredAndDrainedExactlyOnce() throws Exception {
        // Accounts 201..300: no other test of this class logs them in, so they are offline here.
        Target t = Target.from(new Args(List.of("--port", Integer.toString(server.c2sPort()), "--domain", "bench.test",
                "--label", "switchboard", "--login-timeout", "20s", "--first-user", "201")));
        Map<String, Object> r = run(new OfflineScenario(Args.of("--pairs", "50", "--messages", "40")), t, 2);
        assertThat(r.get("errors")).isNull();
        assertThat(r).containsEntry("sent", 2000L).containsEntry("delivered", 2000L).containsEntry("bounced", 0L)
                .containsEntry("lost", 0L).containsEntry("duplicates", 0L).containsEntry("unexpected", 0L)
                .containsEntry("ok", true);
    }

    @Test
    void fanoutDeliversEveryGroupchatMessageToEveryOccupantExactlyOnce() throws Exception {
        // Accounts 101..150: a room of its own (a new name per run), two senders taking turns.
        Target t = Target.from(new Args(List.of("--port", Integer.toString(server.c2sPort()), "--domain", "bench.test",
                "--label", "switchboard", "--login-timeout", "20s", "--first-user", "101")));
        Map<String, Object> r = run(new FanoutScenario(Args.of("--occupants", "50", "--messages", "20", "--senders", "2",
                "--rate", "100")), t, 2);
        assertThat(r.get("errors")).isNull();
        assertThat(r).containsEntry("joined", 50).containsEntry("sent", 20L).containsEntry("expected_deliveries", 1000L)
                .containsEntry("delivered", 1000L).containsEntry("complete_messages", 20).containsEntry("lost", 0L)
                .containsEntry("duplicates", 0L).containsEntry("unexpected", 0L).containsEntry("bounced", 0L)
                .containsEntry("ok", true);
    }

    @Test
    void archiveQueriesReturnExactlyTheArchivedMessages() throws Exception {
        // Accounts 151..161 (owner 151, contacts 152..161): no other test of this class sends them messages,
        // so the owner's archive holds exactly the 1,000 messages filled here, numbered in order (memory mode
        // keeps 1,000 per archive).
        Target t = Target.from(new Args(List.of("--port", Integer.toString(server.c2sPort()), "--domain", "bench.test",
                "--label", "switchboard", "--login-timeout", "20s", "--first-user", "151")));
        Map<String, Object> r = run(new ArchiveScenario(Args.of("--fill", "true", "--messages", "1000", "--contacts", "10",
                "--queries", "20", "--warmup", "2", "--page", "20")), t, 1);
        assertThat(r.get("error")).isNull();
        assertThat(r).containsEntry("queries", 100L).containsEntry("malformed_results", 0).containsEntry("ok", true);
        // Every query of every kind had its page checked message by message (catch-up pages are shorter).
        assertThat(((Number) r.get("results_checked")).longValue()).isGreaterThan(4 * 22 * 20);
    }

    @Test
    void refusesTargetsOutsideLoopback() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Target.from(Args.of("--host", "192.0.2.1")))
                .isInstanceOf(Args.UsageException.class).hasMessageContaining("not a loopback address");
    }
}
