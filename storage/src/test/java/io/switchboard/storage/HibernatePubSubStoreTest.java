package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubStore;
import io.switchboard.store.PubSubStoreContract;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

    @BeforeAll
    static void open() {
        opened = Opened.open();
        store = opened.store();
    }

    @AfterAll
    static void close() {
        opened.close();
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
