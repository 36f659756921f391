package io.switchboard.storage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the database: an external PostgreSQL by JDBC URL, or, when the URL is empty, an
 * embedded PostgreSQL whose files live in {@code <dataDirectory>/db}.
 *
 * @param jdbcUrl          {@code jdbc:postgresql://...}, or empty for the embedded database
 * @param user             database user (ignored by the embedded database)
 * @param password         database password (ignored by the embedded database)
 * @param poolSize         connections in the pool
 * @param dataDirectory    Switchboard's data directory; required for the embedded database
 * @param statementTimeout the longest a statement may run before PostgreSQL cancels it
 * @implNote immutable; {@link #toString()} masks the password.
 */
public record PostgresSettings(String jdbcUrl, String user, String password, int poolSize, Path dataDirectory,
                               Duration statementTimeout) {

    public static final int DEFAULT_POOL_SIZE = 10;
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);

    public PostgresSettings {
        jdbcUrl = jdbcUrl == null ? "" : jdbcUrl.trim();
        user = user == null ? "" : user;
        password = password == null ? "" : password;
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1: " + poolSize);
        }
        if (statementTimeout.isNegative() || statementTimeout.isZero()) {
            throw new IllegalArgumentException("statementTimeout must be positive: " + statementTimeout);
        }
        if (jdbcUrl.isEmpty()) {
            Objects.requireNonNull(dataDirectory, "the embedded database needs a data directory");
        } else if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("only PostgreSQL is supported: the URL must start with jdbc:postgresql:");
        }
    }

    /** The embedded database under {@code <dataDirectory>/db}, with the default pool size and timeout. */
    public static PostgresSettings embedded(Path dataDirectory) {
        return new PostgresSettings("", "", "", DEFAULT_POOL_SIZE, dataDirectory, DEFAULT_STATEMENT_TIMEOUT);
    }

    /** An external database, with the default pool size and timeout. */
    public static PostgresSettings external(String jdbcUrl, String user, String password) {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("an external database needs a JDBC URL");
        }
        return new PostgresSettings(jdbcUrl, user, password, DEFAULT_POOL_SIZE, null, DEFAULT_STATEMENT_TIMEOUT);
    }

    public PostgresSettings withPoolSize(int size) {
        return new PostgresSettings(jdbcUrl, user, password, size, dataDirectory, statementTimeout);
    }

    public PostgresSettings withStatementTimeout(Duration timeout) {
        return new PostgresSettings(jdbcUrl, user, password, poolSize, dataDirectory, timeout);
    }

    public boolean isEmbedded() {
        return jdbcUrl.isEmpty();
    }

    /** Where the embedded database keeps its files: {@code <dataDirectory>/db}. */
    public Path embeddedDirectory() {
        return dataDirectory.resolve("db");
    }

    @Override
    public String toString() {
        return "PostgresSettings[" + (isEmbedded() ? "embedded in " + embeddedDirectory() : new Endpoint(jdbcUrl, user, "").safeUrl()
                + ", user " + user + ", password " + (password.isEmpty() ? "empty" : "****"))
                + ", pool " + poolSize + ", statement timeout " + statementTimeout + "]";
    }
}
