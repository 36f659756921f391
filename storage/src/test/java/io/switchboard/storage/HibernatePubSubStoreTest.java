package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubStore;
import io.switchboard.store.PubSubStoreContract;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import io.switchboard.store.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The PEP store contract on the shared PostgreSQL, and the cascades only a database shows. */
@ExtendWith(SharedPostgres.class)
class HibernatePubSubStoreTest extends PubSubStoreContract {

    private static Opened opened;
    private static HibernatePubSubStore store;

    /**
     * A PEP store on the shared database with its own small pool (until {@code PostgresStorage}
     * offers {@code pubsub()}).
     */
    record Opened(HikariDataSource pool, Database db, HibernatePubSubStore store) implements AutoCloseable {
        static Opened open() {
            Endpoint e = SharedPostgres.storage().endpoint();
            HikariConfig c = new HikariConfig();
            c.setJdbcUrl(e.url());
            c.setUsername(e.user());
            c.setPassword(e.password());
            c.setAutoCommit(false);
            c.setMaximumPoolSize(2);
            HikariDataSource pool = new HikariDataSource(c);
            Database db = Database.open(pool);
            return new Opened(pool, db, new HibernatePubSubStore(db));
        }

        @Override
        public void close() {
            db.close();
            pool.close();
        }
    }

    /** An item id whose insertion fails inside the database (a trigger of this test). */
    static final String FAILS_ON_INSERT = "injected-failure-on-insert";
    /** An item id whose deletion fails inside the database. */
    static final String FAILS_ON_DELETE = "injected-failure-on-delete";

    @BeforeAll
    static void open() throws SQLException {
        opened = Opened.open();
        store = opened.store();
        sql("create or replace function pubsub_test_injected_failure() returns trigger language plpgsql as"
                + " $$ begin raise exception 'injected failure'; end $$",
                "drop trigger if exists pubsub_test_fail_insert on pubsub_item",
                "create trigger pubsub_test_fail_insert before insert or update on pubsub_item for each row"
                        + " when (new.id = '" + FAILS_ON_INSERT + "') execute function pubsub_test_injected_failure()",
                "drop trigger if exists pubsub_test_fail_delete on pubsub_item",
                "create trigger pubsub_test_fail_delete before delete on pubsub_item for each row"
                        + " when (old.id = '" + FAILS_ON_DELETE + "') execute function pubsub_test_injected_failure()");
    }

    @AfterAll
    static void close() throws SQLException {
        try {
            sql("drop trigger if exists pubsub_test_fail_insert on pubsub_item",
                    "drop trigger if exists pubsub_test_fail_delete on pubsub_item",
                    "drop function if exists pubsub_test_injected_failure()");
        } finally {
            opened.close();
        }
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = opened.pool().getConnection(); Statement st = c.createStatement()) {
            for (String q : statements) {
                st.execute(q);
            }
            c.commit();
        }
    }

    private static PubSubItem item(String id, Jid publisher, int second) {
        return new PubSubItem(id, publisher, T0.plusSeconds(second), "<p xmlns='urn:test'>" + id + "</p>");
    }

    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    private static List<String> ids(List<PubSubItem> items) {
        return items.stream().map(PubSubItem::id).toList();
    }

    @Test
    void aPublishThatFailsAfterCreatingItsNodeLeavesNoNode() {
        Jid o = freshOwner();
        assertThatThrownBy(() -> store.createAndPublish(PubSubNode.defaults(o, "n", T0), item(FAILS_ON_INSERT, o, 1), 5))
                .isInstanceOf(StorageException.class).hasMessageContaining("injected failure");
        assertThat(store.node(o, "n")).isEmpty();
        // On an existing node, the new configuration is not kept either.
        PubSubNode before = PubSubNode.defaults(o, "m", T0);
        store.createAndPublish(before, item("1", o, 1), 5);
        PubSubNode open = new PubSubNode(o, "m", PubSubNode.AccessModel.OPEN, true, 5, PubSubNode.SendLast.ON_SUB, true,
                null, List.of(), T0);
        assertThatThrownBy(() -> store.createAndPublish(open, item(FAILS_ON_INSERT, o, 2), 5))
                .isInstanceOf(StorageException.class);
        assertThat(store.node(o, "m")).contains(before);
        assertThat(ids(store.items(o, "m", 10))).containsExactly("1");
    }

    @Test
    void aConfigurationWhoseTrimFailsKeepsTheOldConfigurationAndItems() {
        Jid o = freshOwner();
        PubSubNode before = new PubSubNode(o, "n", PubSubNode.AccessModel.PRESENCE, true, 10,
                PubSubNode.SendLast.ON_SUB_AND_PRESENCE, true, null, List.of(), T0);
        store.putNode(before);
        store.publish(o, "n", item(FAILS_ON_DELETE, o, 1), 10);
        store.publish(o, "n", item("2", o, 2), 10);
        store.publish(o, "n", item("3", o, 3), 10);
        PubSubNode smaller = new PubSubNode(o, "n", PubSubNode.AccessModel.OPEN, true, 1,
                PubSubNode.SendLast.ON_SUB_AND_PRESENCE, true, "smaller", List.of(), T0);
        // The configuration is written first, then the oldest items are deleted: the deletion fails.
        assertThatThrownBy(() -> store.configure(smaller, 1)).isInstanceOf(StorageException.class)
                .hasMessageContaining("injected failure");
        assertThat(store.node(o, "n")).contains(before);
        assertThat(ids(store.items(o, "n", 10))).containsExactly("3", "2", FAILS_ON_DELETE);
    }

    @Test
    void aRetractionThatFailsOnOneItemRemovesNone() {
        Jid o = freshOwner();
        store.putNode(PubSubNode.defaults(o, "n", T0));
        store.publish(o, "n", item("1", o, 1), 10);
        store.publish(o, "n", item(FAILS_ON_DELETE, o, 2), 10);
        store.publish(o, "n", item("3", o, 3), 10);
        assertThatThrownBy(() -> store.retract(o, "n", List.of("1", "3", FAILS_ON_DELETE)))
                .isInstanceOf(StorageException.class).hasMessageContaining("injected failure");
        assertThat(ids(store.items(o, "n", 10))).containsExactly("3", FAILS_ON_DELETE, "1");
    }

    @Override
    protected PubSubStore store() {
        return store;
    }

    /** Nodes belong to accounts (foreign key): the owner is created first. */
    @Override
    protected Jid freshOwner() {
        Jid j = super.freshOwner();
        ScramCredential c = new ScramCredential(ScramHash.SHA_256, new byte[]{1}, 4096, new byte[32], new byte[32]);
        SharedPostgres.storage().users().create(new Account(j, false, Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Map.of(ScramHash.SHA_256, c)));
        return j;
    }

    @Test
    void deletingTheAccountDeletesItsNodesAndItems() {
        Jid o = freshOwner();
        store.putNode(PubSubNode.defaults(o, "n", Instant.now()));
        store.publish(o, "n", new PubSubItem("1", o, Instant.now(), "<p xmlns='urn:test'/>"), 5);
        SharedPostgres.storage().users().delete(o);
        assertThat(store.nodes(o)).isEmpty();
        assertThat(store.items(o, "n", 5)).isEmpty();
    }

    @Test
    void aNodeOfAMissingAccountIsNotStored() {
        Jid ghost = super.freshOwner();
        store.putNode(PubSubNode.defaults(ghost, "n", Instant.now()));
        assertThat(store.nodes(ghost)).isEmpty();
    }
}
