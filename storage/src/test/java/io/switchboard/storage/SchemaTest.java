package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.StorageException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Flyway builds the schema from nothing, and Hibernate's validation accepts exactly that schema. */
@ExtendWith(SharedPostgres.class)
class SchemaTest {

    static final List<String> TABLES = List.of("archive_preferences", "block_list", "fast_token", "last_activity",
            "message_archive", "muc_affiliation", "muc_registered_nick", "muc_room", "muc_room_config", "offline_message", "private_xml",
            "pubsub_item", "pubsub_node", "push_registration", "roster_item", "roster_version",
            "scram_credential", "user_account", "vcard");

    @Test
    void migrationsApplyToAnEmptyDatabaseAndPassHibernateValidation() throws SQLException {
        try (SharedPostgres.TestDatabase empty = SharedPostgres.createEmptyDatabase()) {
            assertThat(tables(empty)).isEmpty();
            try (PostgresStorage storage = PostgresStorage.open(empty.settings())) {
                Jid u = Jid.of("first@schema.test");
                storage.users().create(new Account(u, true, Instant.now(), Map.of()));
                assertThat(storage.users().find(u).orElseThrow().admin()).isTrue();
            }
            assertThat(tables(empty)).containsExactlyElementsOf(concat(TABLES, "flyway_schema_history"));
            assertThat(query(empty, "select version || ' ' || success from flyway_schema_history order by installed_rank"))
                    .containsExactly("1 true", "2 true", "3 true", "4 true", "5 true");
            // Opening again finds nothing to migrate and validates again.
            PostgresStorage.open(empty.settings()).close();
        }
    }

    @Test
    void validationRejectsASchemaThatDiffersFromTheEntities() throws SQLException {
        try (SharedPostgres.TestDatabase db = SharedPostgres.createEmptyDatabase()) {
            PostgresStorage.open(db.settings()).close();
            query(db, "alter table roster_item drop column approved");
            assertThatThrownBy(() -> PostgresStorage.open(db.settings()))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("approved");
        }
    }

    @Test
    void refusesANonEmptyDatabaseWithoutMigrationHistory() throws SQLException {
        try (SharedPostgres.TestDatabase db = SharedPostgres.createEmptyDatabase()) {
            query(db, "create table something_else (id int)");
            assertThatThrownBy(() -> PostgresStorage.open(db.settings())).isInstanceOf(StorageException.class);
            assertThat(tables(db)).containsExactly("something_else");
        }
    }

    private static List<String> tables(SharedPostgres.TestDatabase db) throws SQLException {
        return query(db, "select table_name from information_schema.tables"
                + " where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name");
    }

    static List<String> query(SharedPostgres.TestDatabase db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.url(), SharedPostgres.user(), SharedPostgres.password());
             Statement st = c.createStatement()) {
            List<String> rows = new ArrayList<>();
            if (st.execute(sql)) {
                try (ResultSet rs = st.getResultSet()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
            }
            return rows;
        }
    }

    private static List<String> concat(List<String> list, String extra) {
        List<String> all = new ArrayList<>(list);
        all.add(extra);
        all.sort(null);
        return all;
    }
}
