package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.FastToken;
import io.switchboard.store.FastTokenStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * FAST tokens in {@code fast_token}: slot 0 is the current token of an installation, slot 1 the
 * previous one. A rotation shifts both under the owner's account row lock, so two logins of the same
 * installation cannot interleave their rotations.
 */
final class SqlFastTokenStore implements FastTokenStore {

    private final Database db;

    SqlFastTokenStore(Database db) {
        this.db = db;
    }

    @Override
    public void rotate(FastToken t) {
        db.tx("storing a FAST token of " + t.owner(), s -> {
            if (!Database.lockOwner(s, t.owner())) {
                return null;
            }
            s.doWork(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "delete from fast_token where owner = ? and agent = ? and slot = 1")) {
                    ps.setString(1, t.owner().toString());
                    ps.setString(2, t.agent());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "update fast_token set slot = 1 where owner = ? and agent = ? and slot = 0")) {
                    ps.setString(1, t.owner().toString());
                    ps.setString(2, t.agent());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("insert into fast_token (owner, agent, slot, mechanism,"
                        + " token, expiry, count) values (?, ?, 0, ?, ?, ?, ?)")) {
                    ps.setString(1, t.owner().toString());
                    ps.setString(2, t.agent());
                    ps.setString(3, t.mechanism());
                    ps.setString(4, t.token());
                    ps.setTimestamp(5, Timestamp.from(t.expiry()));
                    ps.setLong(6, t.count());
                    ps.executeUpdate();
                }
            });
            return null;
        });
    }

    @Override
    public List<FastToken> find(Jid owner, String agent) {
        return db.tx("reading the FAST tokens of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select mechanism, token, expiry, count from fast_token"
                    + " where owner = ? and agent = ? order by slot")) {
                ps.setString(1, owner.toString());
                ps.setString(2, agent);
                List<FastToken> out = new ArrayList<>(2);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new FastToken(owner, agent, rs.getString(1), rs.getString(2),
                                rs.getTimestamp(3).toInstant(), rs.getLong(4)));
                    }
                }
                return List.copyOf(out);
            }
        }));
    }

    @Override
    public void updateCount(FastToken t, long count) {
        db.tx("updating a FAST token of " + t.owner(), s -> s.createNativeMutationQuery("update fast_token"
                        + " set count = :count where owner = :owner and agent = :agent and token = :token")
                .setParameter("count", count).setParameter("owner", t.owner().toString())
                .setParameter("agent", t.agent()).setParameter("token", t.token()).executeUpdate());
    }

    @Override
    public void remove(Jid owner, String agent) {
        db.tx("removing the FAST tokens of " + owner, s -> s.createNativeMutationQuery(
                        "delete from fast_token where owner = :owner and agent = :agent")
                .setParameter("owner", owner.toString()).setParameter("agent", agent).executeUpdate());
    }
}
