package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.BlockListStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/** Block lists in {@code block_list}; the maximum is checked under the owner's account row lock. */
final class SqlBlockListStore implements BlockListStore {

    private final Database db;

    SqlBlockListStore(Database db) {
        this.db = db;
    }

    @Override
    public Set<Jid> load(Jid owner) {
        return db.tx("reading the block list of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select blocked from block_list where owner = ? order by blocked")) {
                ps.setString(1, owner.toString());
                Set<Jid> out = new LinkedHashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(Jid.of(rs.getString(1)));
                    }
                }
                return Set.copyOf(out);
            }
        }));
    }

    /** @return false when the list would exceed {@code max}, or there is no such account (nothing added) */
    @Override
    public boolean add(Jid owner, Collection<Jid> jids, int max) {
        return db.tx("adding to the block list of " + owner, s -> {
            if (!Database.lockOwner(s, owner)) {
                return false;
            }
            return s.doReturningWork(c -> {
                String[] added = jids.stream().map(Jid::toString).distinct().toArray(String[]::new);
                try (PreparedStatement ps = c.prepareStatement("select count(*) from (select blocked from block_list"
                        + " where owner = ? union select unnest(?::text[])) t")) {
                    ps.setString(1, owner.toString());
                    ps.setArray(2, c.createArrayOf("text", added));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) > max) {
                            return false;
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("insert into block_list (owner, blocked)"
                        + " select ?, unnest(?::text[]) on conflict do nothing")) {
                    ps.setString(1, owner.toString());
                    ps.setArray(2, c.createArrayOf("text", added));
                    ps.executeUpdate();
                }
                return true;
            });
        });
    }

    @Override
    public void remove(Jid owner, Collection<Jid> jids) {
        db.tx("removing from the block list of " + owner, s -> {
            s.doWork(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "delete from block_list where owner = ? and blocked = any (?::text[])")) {
                    ps.setString(1, owner.toString());
                    ps.setArray(2, c.createArrayOf("text", jids.stream().map(Jid::toString).toArray()));
                    ps.executeUpdate();
                }
            });
            return null;
        });
    }

    @Override
    public void clear(Jid owner) {
        db.tx("clearing the block list of " + owner, s -> s.createNativeMutationQuery(
                "delete from block_list where owner = :owner").setParameter("owner", owner.toString()).executeUpdate());
    }
}
