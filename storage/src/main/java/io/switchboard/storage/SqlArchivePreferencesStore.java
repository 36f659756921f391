package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.ArchivePreferences;
import io.switchboard.store.ArchivePreferencesStore;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Archiving preferences in {@code archive_preferences}; writes for a missing account are ignored. */
final class SqlArchivePreferencesStore implements ArchivePreferencesStore {

    private final Database db;

    SqlArchivePreferencesStore(Database db) {
        this.db = db;
    }

    @Override
    public Optional<ArchivePreferences> get(Jid owner) {
        return db.tx("reading the archiving preferences of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select default_mode, always_jids, never_jids from archive_preferences where owner = ?")) {
                ps.setString(1, owner.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ArchivePreferences>empty();
                    }
                    return Optional.of(new ArchivePreferences(rs.getString(1), jids(rs.getArray(2)), jids(rs.getArray(3))));
                }
            }
        }));
    }

    @Override
    public void put(Jid owner, ArchivePreferences prefs) {
        db.tx("storing the archiving preferences of " + owner, s -> {
            s.doWork(c -> {
                try (PreparedStatement ps = c.prepareStatement("insert into archive_preferences (owner, default_mode,"
                        + " always_jids, never_jids) select jid, ?, ?, ? from user_account where jid = ?"
                        + " on conflict (owner) do update set default_mode = excluded.default_mode,"
                        + " always_jids = excluded.always_jids, never_jids = excluded.never_jids")) {
                    ps.setString(1, prefs.defaultMode());
                    ps.setArray(2, c.createArrayOf("text", strings(prefs.always())));
                    ps.setArray(3, c.createArrayOf("text", strings(prefs.never())));
                    ps.setString(4, owner.toString());
                    ps.executeUpdate();
                }
            });
            return null;
        });
    }

    private static Object[] strings(Set<Jid> jids) {
        return jids.stream().map(Jid::toString).sorted().toArray();
    }

    private static Set<Jid> jids(Array a) throws java.sql.SQLException {
        return Arrays.stream((String[]) a.getArray()).map(Jid::of).collect(Collectors.toUnmodifiableSet());
    }
}
