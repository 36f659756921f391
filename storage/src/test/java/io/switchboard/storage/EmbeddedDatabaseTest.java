package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.AccountChange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded PostgreSQL on a data directory of its own: shared by two storages as it is by the
 * server and the command line (in one JVM, through the same files and port as two processes, and
 * once with a real second process), kept across restarts, stopped by the last one out. The tests share one data directory; each
 * leaves PostgreSQL stopped.
 */
class EmbeddedDatabaseTest {

    private static Path dataDir;
    private static Path dbDir;

    @BeforeAll
    static void newDataDirectory() {
        dataDir = SharedPostgres.newDataDirectory();
        dbDir = dataDir.resolve("db");
    }

    @AfterEach
    void everyTestStopsIt() {
        assertThat(running()).as("PostgreSQL stopped").isFalse();
    }

    @AfterAll
    static void deleteDataDirectory() {
        SharedPostgres.deleteTree(dataDir);
    }

    @Test
    void aSecondStorageOnTheSameDataDirectoryJoinsTheRunningDatabase() throws Exception {
        Jid u = Jid.of("first@embedded.test");
        Jid v = Jid.of("second@embedded.test");
        try (PostgresStorage first = PostgresStorage.open(PostgresSettings.embedded(dataDir))) {
            first.users().create(new Account(u, false, Instant.now(), Map.of()));
            int port = Integer.parseInt(Files.readString(dbDir.resolve("switchboard-port")).trim());
            assertThat(first.describe()).contains("localhost:" + port).contains(dbDir.toString());
            List<AccountChange> seen = new CopyOnWriteArrayList<>();
            first.onAccountChange(seen::add);

            try (PostgresStorage second = PostgresStorage.open(PostgresSettings.embedded(dataDir).withPoolSize(2))) {
                assertThat(second.describe()).isEqualTo(first.describe());
                assertThat(second.users().exists(u)).isTrue();
                second.users().create(new Account(v, false, Instant.now(), Map.of()));
                second.users().delete(v);
                assertThat(first.users().exists(v)).isFalse();
            }

            awaitUntil(() -> seen.contains(new AccountChange(AccountChange.Kind.DELETED, v)));
            assertThat(running()).as("still running for the first").isTrue();
            assertThat(first.users().exists(u)).isTrue();
        }
        assertThat(Files.exists(dbDir.resolve("switchboard-port"))).isFalse();
    }

    @Test
    void theLastOneOutStopsTheDatabaseWhoeverStartedIt() {
        Jid u = Jid.of("kept@embedded.test");
        PostgresStorage first = PostgresStorage.open(PostgresSettings.embedded(dataDir));
        try (PostgresStorage second = PostgresStorage.open(PostgresSettings.embedded(dataDir).withPoolSize(2))) {
            first.close();
            assertThat(running()).as("still running for the second").isTrue();
            second.users().create(new Account(u, false, Instant.now(), Map.of()));
        }
        assertThat(running()).isFalse();
        try (PostgresStorage again = PostgresStorage.open(PostgresSettings.embedded(dataDir).withPoolSize(2))) {
            assertThat(again.users().exists(u)).as("data kept across a restart").isTrue();
        }
    }

    @Test
    void theDatabaseIsPrivateDurableAndOnLocalhostOnly() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.connectOrStart(dbDir)) {
            assertThat(db.startedHere()).isTrue();
            assertThat(Files.getPosixFilePermissions(dbDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getPosixFilePermissions(dbDir.resolve("switchboard-password")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                 Statement st = c.createStatement()) {
                assertThat(setting(st, "fsync")).isEqualTo("on");
                assertThat(setting(st, "synchronous_commit")).isEqualTo("on");
                assertThat(setting(st, "listen_addresses")).isEqualTo("localhost");
                assertThat(setting(st, "unix_socket_directories")).isEmpty();
            }
            assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), "wrong").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));

            try (EmbeddedDatabase joined = EmbeddedDatabase.connectOrStart(dbDir)) {
                assertThat(joined.startedHere()).isFalse();
                assertThat(joined.port()).isEqualTo(db.port());
            }
            assertThat(running()).isTrue();
        }
    }

    @Test
    void staleLeftoversOfACrashDoNotPreventStarting() throws IOException {
        EmbeddedDatabase.connectOrStart(dbDir).close();
        // As after a crash: a port nothing listens on, and a pid file naming a live process that is
        // not PostgreSQL (this JVM).
        Files.writeString(dbDir.resolve("switchboard-port"), "1\n");
        Files.writeString(dbDir.resolve("pgdata/postmaster.pid"), ProcessHandle.current().pid() + "\n" + dbDir
                + "/pgdata\n1700000000\n1\n\n\n  1234  5678\nready   \n");
        try (EmbeddedDatabase db = EmbeddedDatabase.connectOrStart(dbDir)) {
            assertThat(db.startedHere()).isTrue();
            assertThat(Files.readString(dbDir.resolve("switchboard-port")).trim()).isEqualTo(String.valueOf(db.port()));
        }
    }

    @Test
    @Timeout(120)
    void anotherProcessStartsItAndThisOneStopsItLast() throws Exception {
        Path output = dataDir.resolve("other-process.log");
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OtherProcess.class.getName(), dbDir.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            String ready = awaitLine(output, "READY ");
            assertThat(ready).endsWith(" true");
            try (EmbeddedDatabase here = EmbeddedDatabase.connectOrStart(dbDir)) {
                assertThat(here.startedHere()).isFalse();
                assertThat(ready).startsWith("READY " + here.port() + " ");

                other.getOutputStream().write('\n');
                other.getOutputStream().flush();
                assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(Files.readString(output)).contains("LEFT");
                assertThat(running()).as("left running for this process").isTrue();
                try (Connection c = DriverManager.getConnection(here.jdbcUrl(), here.user(), here.password())) {
                    assertThat(c.isValid(5)).isTrue();
                }
            }
            // Stopped by this process, which did not start it (SIGTERM to the postmaster).
            assertThat(Files.exists(dbDir.resolve("switchboard-port"))).isFalse();
        } finally {
            other.destroyForcibly();
        }
    }

    private static String awaitLine(Path file, String prefix) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line " + prefix + "... in " + Files.readString(file));
    }

    private static boolean running() {
        return Files.exists(dbDir.resolve("pgdata/postmaster.pid"));
    }

    private static String setting(Statement st, String name) throws SQLException {
        try (ResultSet rs = st.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
