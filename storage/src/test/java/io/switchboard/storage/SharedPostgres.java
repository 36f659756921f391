package io.switchboard.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One PostgreSQL for the whole test JVM: the external database named by the environment variable
 * {@code SWITCHBOARD_TEST_DATABASE_URL} (with {@code _USER} and {@code _PASSWORD}) when it is set,
 * otherwise an embedded one in a fresh directory under {@code target/}. It is opened by the first
 * test class that uses this extension and closed when all tests have run. Failing to open it fails
 * the tests: nothing is skipped.
 */
final class SharedPostgres implements BeforeAllCallback {

    static final String URL_VARIABLE = "SWITCHBOARD_TEST_DATABASE_URL";

    private static volatile Shared shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        shared = context.getRoot().getStore(ExtensionContext.Namespace.create(SharedPostgres.class))
                .getOrComputeIfAbsent(Shared.class, k -> new Shared(), Shared.class);
    }

    static PostgresStorage storage() {
        return shared.storage;
    }

    /** Settings that reach the shared database (a second storage opened with them joins it). */
    static PostgresSettings settings() {
        return shared.settings;
    }

    /** A new, empty database next to the shared one; closing it drops it. */
    static TestDatabase createEmptyDatabase() {
        String name = "empty_" + UUID.randomUUID().toString().replace("-", "");
        execute("create database " + name);
        String url = shared.endpoint.url();
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        return new TestDatabase(name, base.substring(0, base.lastIndexOf('/') + 1) + name + (q < 0 ? "" : url.substring(q)));
    }

    /** A database made for one test. */
    record TestDatabase(String name, String url) implements AutoCloseable {
        PostgresSettings settings() {
            return PostgresSettings.external(url, user(), password()).withPoolSize(2);
        }

        @Override
        public void close() {
            execute("drop database if exists " + name);
        }
    }

    private static void execute(String sql) {
        try (Connection c = shared.endpoint.connect("switchboard-test"); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed (the test user needs CREATEDB)", e);
        }
    }

    static String user() {
        return shared.endpoint.user();
    }

    static String password() {
        return shared.endpoint.password();
    }

    /** A fresh directory under {@code target/} for an embedded database, deleted by {@link #deleteTree}. */
    static Path newDataDirectory() {
        try {
            Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-data-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Shared implements AutoCloseable {
        final Path dataDirectory;
        final PostgresSettings settings;
        final PostgresStorage storage;
        final Endpoint endpoint;

        Shared() {
            String url = System.getenv(URL_VARIABLE);
            if (url != null && !url.isBlank()) {
                dataDirectory = null;
                settings = PostgresSettings.external(url, System.getenv(URL_VARIABLE + "_USER"),
                        System.getenv(URL_VARIABLE + "_PASSWORD"));
            } else {
                dataDirectory = newDataDirectory();
                settings = PostgresSettings.embedded(dataDirectory);
            }
            storage = PostgresStorage.open(settings);
            endpoint = storage.endpoint();
        }

        @Override
        public void close() {
            storage.close();
            if (dataDirectory != null) {
                deleteTree(dataDirectory);
            }
        }
    }
}
