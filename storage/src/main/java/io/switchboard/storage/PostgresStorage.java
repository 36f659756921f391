package io.switchboard.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.switchboard.store.AccountChange;
import io.switchboard.store.ArchivePreferencesStore;
import io.switchboard.store.BlockListStore;
import io.switchboard.store.FastTokenStore;
import io.switchboard.store.MessageArchive;
import io.switchboard.store.MucRoomStore;
import io.switchboard.store.PushStore;
import io.switchboard.store.VCardStore;
import io.switchboard.store.LastActivityStore;
import io.switchboard.store.OfflineStore;
import io.switchboard.store.PrivateXmlStore;
import io.switchboard.store.RosterStore;
import io.switchboard.store.Storage;
import io.switchboard.store.StorageException;
import io.switchboard.store.UserStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage ports on PostgreSQL, through Hibernate ORM over a HikariCP pool, with the schema
 * migrated by Flyway at {@link #open} ({@code db/migration}) and validated by Hibernate. The
 * database is an external PostgreSQL 13 or later, or an {@link EmbeddedDatabase} under the data
 * directory, shared with the other Switchboard processes on that directory.
 *
 * <p>Each port method is one transaction. Account changes (create, delete, new credentials) are
 * published with PostgreSQL NOTIFY in the changing transaction, so {@link #onAccountChange}
 * listeners hear about changes made by any process on the database, once they are committed.
 *
 * <p>Threading: every method blocks on database I/O and is safe to call from any number of worker
 * threads at once (never from network I/O threads). At most {@link PostgresSettings#poolSize()}
 * calls use the database at a time; the others wait for a connection.
 */
public final class PostgresStorage implements Storage {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStorage.class);
    private static final int MIN_SERVER_VERSION = 130000;

    private final EmbeddedDatabase embedded;
    private final HikariDataSource pool;
    private final Database db;
    private final Endpoint endpoint;
    private final AccountChangeFeed feed;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final UserStore users;
    private final RosterStore rosters;
    private final OfflineStore offline;
    private final PrivateXmlStore privateXml;
    private final LastActivityStore lastActivity;
    private final MessageArchive archive;
    private final MucRoomStore mucRooms;
    private final io.switchboard.store.PubSubStore pubsub;
    private final ArchivePreferencesStore archivePreferences;
    private final BlockListStore blockLists;
    private final VCardStore vcards;
    private final PushStore push;
    private final FastTokenStore fastTokens;

    private PostgresStorage(EmbeddedDatabase embedded, HikariDataSource pool, Database db, Endpoint endpoint,
                            String description) {
        this.embedded = embedded;
        this.pool = pool;
        this.db = db;
        this.endpoint = endpoint;
        this.description = description;
        this.feed = new AccountChangeFeed(endpoint);
        this.users = new HibernateUserStore(db);
        this.rosters = new HibernateRosterStore(db);
        this.offline = new HibernateOfflineStore(db);
        this.privateXml = new HibernatePrivateXmlStore(db);
        this.lastActivity = new HibernateLastActivityStore(db);
        this.archive = new SqlArchive(db);
        this.mucRooms = new SqlMucRoomStore(db);
        this.pubsub = new HibernatePubSubStore(db);
        this.archivePreferences = new SqlArchivePreferencesStore(db);
        this.blockLists = new SqlBlockListStore(db);
        this.vcards = new SqlVCardStore(db);
        this.push = new SqlPushStore(db);
        this.fastTokens = new SqlFastTokenStore(db);
    }

    /**
     * Connects (starting or joining the embedded database when the settings have no URL), migrates
     * the schema to the latest version, and checks that it matches the entities.
     *
     * @throws StorageException when the database cannot be reached, migrated or validated
     */
    public static PostgresStorage open(PostgresSettings settings) {
        EmbeddedDatabase embedded = settings.isEmbedded() ? EmbeddedDatabase.connectOrStart(settings.embeddedDirectory()) : null;
        Endpoint endpoint = embedded != null ? new Endpoint(embedded.jdbcUrl(), embedded.user(), embedded.password())
                : new Endpoint(settings.jdbcUrl(), settings.user(), settings.password());
        HikariDataSource pool = null;
        Database db = null;
        try {
            String version = checkServer(endpoint);
            migrate(endpoint);
            pool = pool(endpoint, settings);
            db = Database.open(pool);
            String description = embedded != null ? embedded.describe() : "PostgreSQL " + version + " at " + endpoint.safeUrl();
            LOG.info("Storage: {}, pool of {} connections", description, settings.poolSize());
            return new PostgresStorage(embedded, pool, db, endpoint, description);
        } catch (RuntimeException | SQLException e) {
            if (db != null) {
                db.close();
            }
            if (pool != null) {
                pool.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e instanceof StorageException se ? se
                    : new StorageException("cannot open PostgreSQL storage at " + endpoint.safeUrl() + ": " + e.getMessage(), e);
        }
    }

    /** Fails unless the server is PostgreSQL 13 or later; returns its version. */
    private static String checkServer(Endpoint endpoint) throws SQLException {
        try (Connection c = endpoint.connect("switchboard-migration"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select current_setting('server_version'),"
                     + " current_setting('server_version_num')::int")) {
            rs.next();
            if (rs.getInt(2) < MIN_SERVER_VERSION) {
                throw new StorageException("PostgreSQL " + rs.getString(1) + " at " + endpoint.safeUrl()
                        + " is too old: Switchboard needs PostgreSQL 13 or later");
            }
            return rs.getString(1);
        }
    }

    /**
     * Applies the pending migrations (Flyway serializes concurrent processes with an advisory lock),
     * on a connection of its own, without the statement timeout: a migration may take long.
     */
    private static void migrate(Endpoint endpoint) {
        MigrateResult result = Flyway.configure()
                .dataSource(endpoint.url(), endpoint.user(), endpoint.password())
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            LOG.info("Database schema migrated from version {} to {} ({} migrations)",
                    result.initialSchemaVersion == null ? "none" : result.initialSchemaVersion, result.targetSchemaVersion,
                    result.migrationsExecuted);
        } else {
            LOG.info("Database schema is at version {}", result.initialSchemaVersion);
        }
    }

    private static HikariDataSource pool(Endpoint endpoint, PostgresSettings settings) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("switchboard-db");
        c.setJdbcUrl(endpoint.url());
        c.setUsername(endpoint.user());
        c.setPassword(endpoint.password());
        c.setMaximumPoolSize(settings.poolSize());
        c.setAutoCommit(false);
        // A startup parameter of each connection, so no transaction can undo it. (An "options"
        // parameter in the URL replaces this one.)
        c.addDataSourceProperty("options", "-c statement_timeout=" + settings.statementTimeout().toMillis());
        c.addDataSourceProperty("ApplicationName", "switchboard");
        // Batched INSERTs become multi-row INSERTs: one round trip per batch.
        c.addDataSourceProperty("reWriteBatchedInserts", "true");
        return new HikariDataSource(c);
    }

    @Override
    public UserStore users() {
        return users;
    }

    @Override
    public RosterStore rosters() {
        return rosters;
    }

    @Override
    public OfflineStore offline() {
        return offline;
    }

    @Override
    public PrivateXmlStore privateXml() {
        return privateXml;
    }

    @Override
    public LastActivityStore lastActivity() {
        return lastActivity;
    }

    @Override
    public MessageArchive archive() {
        return archive;
    }

    @Override
    public MucRoomStore mucRooms() {
        return mucRooms;
    }

    @Override
    public io.switchboard.store.PubSubStore pubsub() {
        return pubsub;
    }

    @Override
    public ArchivePreferencesStore archivePreferences() {
        return archivePreferences;
    }

    @Override
    public BlockListStore blockLists() {
        return blockLists;
    }

    @Override
    public VCardStore vcards() {
        return vcards;
    }

    @Override
    public PushStore push() {
        return push;
    }

    @Override
    public FastTokenStore fastTokens() {
        return fastTokens;
    }

    /**
     * Adds a listener of account changes made by any process on the database. The first call starts
     * the listening thread and returns once it listens (blocks up to 15 s). Listeners run on that
     * thread, one change at a time, in commit order; they must hand work off quickly. Changes
     * committed while its connection was lost (it reconnects by itself) are not reported.
     */
    @Override
    public void onAccountChange(Consumer<AccountChange> listener) {
        feed.add(listener);
    }

    @Override
    public String describe() {
        return description;
    }

    /** The pool, for tests. */
    DataSource dataSource() {
        return pool;
    }

    /** Where the database is, for tests. */
    Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Stops the listener, closes Hibernate and the pool, then leaves the embedded database (which
     * stops it when no other process uses it). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        feed.close();
        db.close();
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
        LOG.info("Storage closed: {}", description);
    }
}
