package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.AccountChange;
import io.switchboard.store.DuplicateAccountException;
import io.switchboard.store.StorageException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cfg.BatchSettings;
import org.hibernate.cfg.JdbcSettings;
import org.hibernate.cfg.QuerySettings;
import org.hibernate.cfg.SchemaToolingSettings;

/**
 * Hibernate, bootstrapped in code over the pool, and the transaction helper every port method goes
 * through: one call, one transaction, no Hibernate session outside it.
 */
final class Database implements AutoCloseable {

    /** The NOTIFY channel of account changes; payload {@code "<KIND> <bare JID>"}. */
    static final String ACCOUNT_CHANNEL = "switchboard_account";

    private static final List<Class<?>> ENTITIES = List.of(AccountEntity.class, RosterItemEntity.class,
            RosterVersionEntity.class, OfflineMessageEntity.class, PrivateXmlEntity.class, LastActivityEntity.class);
    private static final String UNIQUE_VIOLATION = "23505";

    private final SessionFactory sessions;

    private Database(SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * Builds the session factory. Hibernate only checks the schema ({@code validate}); Flyway owns it.
     * JDBC batching lets {@code createAll} send its rows a hundred at a time.
     */
    static Database open(DataSource pool) {
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
                .applySettings(Map.of(
                        JdbcSettings.JAKARTA_NON_JTA_DATASOURCE, pool,
                        JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT, true,
                        SchemaToolingSettings.HBM2DDL_AUTO, "validate",
                        BatchSettings.STATEMENT_BATCH_SIZE, 100,
                        BatchSettings.ORDER_INSERTS, true,
                        BatchSettings.ORDER_UPDATES, true,
                        QuerySettings.FAIL_ON_PAGINATION_OVER_COLLECTION_FETCH, true))
                .build();
        try {
            MetadataSources sources = new MetadataSources(registry);
            ENTITIES.forEach(sources::addAnnotatedClass);
            return new Database(sources.buildMetadata().buildSessionFactory());
        } catch (RuntimeException e) {
            StandardServiceRegistryBuilder.destroy(registry);
            throw e;
        }
    }

    /**
     * Runs {@code work} in one transaction, committed when it returns and rolled back when it throws.
     *
     * @throws StorageException for any failure of the database (nothing was changed)
     */
    <R> R tx(String what, Function<Session, R> work) {
        try {
            return sessions.fromTransaction(work);
        } catch (DuplicateAccountException | StorageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StorageException(what + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Locks the owner's account row ({@code FOR NO KEY UPDATE}) until the transaction ends, which
     * serializes everything that reads-then-writes that owner's data (quotas, roster versions) across
     * threads and processes. It does not block the foreign-key checks of inserts.
     *
     * @return false when there is no such account
     */
    static boolean lockOwner(Session s, Jid owner) {
        return s.createNativeQuery("select jid from user_account where jid = :jid for no key update", String.class)
                .setParameter("jid", owner.toString()).uniqueResultOptional().isPresent();
    }

    /**
     * Makes every query of the transaction see the same snapshot (REPEATABLE READ). Must come first
     * in the transaction, before any query.
     */
    static void snapshot(Session s) {
        s.doWork(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("set transaction isolation level repeatable read");
            }
        });
    }

    /** {@link #snapshot(Session)} on a connection inside the transaction (before its first query). */
    static void snapshot(java.sql.Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("set transaction isolation level repeatable read");
        }
    }

    /** Queues a NOTIFY that PostgreSQL delivers when, and only if, the transaction commits. */
    static void notify(Session s, AccountChange change) {
        s.doWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select pg_notify(?, ?)")) {
                ps.setString(1, ACCOUNT_CHANNEL);
                ps.setString(2, change.kind().name() + " " + change.jid());
                ps.execute();
            }
        });
    }

    /** True when {@code e} was caused by a unique or primary key violation. */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
