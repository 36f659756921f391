package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.PushRegistration;
import io.switchboard.store.PushStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/** Push registrations in {@code push_registration}; a registration for a missing account is ignored. */
final class SqlPushStore implements PushStore {

    private final Database db;

    SqlPushStore(Database db) {
        this.db = db;
    }

    @Override
    public void put(PushRegistration r) {
        db.tx("storing a push registration of " + r.owner(), s -> {
            s.doWork(c -> {
                try (PreparedStatement ps = c.prepareStatement("insert into push_registration (owner, service, node,"
                        + " resource, options, created) select jid, ?, ?, ?, ?, ? from user_account where jid = ?"
                        + " on conflict (owner, service, node) do update set resource = excluded.resource,"
                        + " options = excluded.options, created = excluded.created")) {
                    ps.setString(1, r.service().toString());
                    ps.setString(2, r.node());
                    ps.setString(3, r.resource());
                    ps.setString(4, r.options());
                    ps.setTimestamp(5, Timestamp.from(r.created()));
                    ps.setString(6, r.owner().toString());
                    ps.executeUpdate();
                }
            });
            return null;
        });
    }

    @Override
    public List<PushRegistration> list(Jid owner) {
        return db.tx("reading the push registrations of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select service, node, resource, options, created"
                    + " from push_registration where owner = ? order by created, service, node")) {
                ps.setString(1, owner.toString());
                List<PushRegistration> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new PushRegistration(owner, Jid.of(rs.getString(1)), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getTimestamp(5).toInstant()));
                    }
                }
                return List.copyOf(out);
            }
        }));
    }

    @Override
    public int remove(Jid owner, Jid service, String node) {
        return db.tx("removing push registrations of " + owner, s -> s.createNativeMutationQuery(
                        "delete from push_registration where owner = :owner and service = :service"
                                + " and (cast(:node as text) is null or node = cast(:node as text))")
                .setParameter("owner", owner.toString()).setParameter("service", service.toString())
                .setParameter("node", node).executeUpdate());
    }
}
