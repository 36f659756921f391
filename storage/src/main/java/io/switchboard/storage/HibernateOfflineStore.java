package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.OfflineStore;
import io.switchboard.store.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Offline messages in {@code offline_message}. The quota check and the insert run under the lock of
 * the owner's account row, so concurrent stores (from any process) never exceed it. Messages come
 * back in id order, which is arrival order within one process: ids are taken under that lock from
 * Hibernate's pooled sequence optimizer.
 */
final class HibernateOfflineStore implements OfflineStore {

    private final Database db;

    HibernateOfflineStore(Database db) {
        this.db = db;
    }

    /** @return false also when the owner has no account (deleted meanwhile) */
    @Override
    public boolean store(Jid owner, String stanza, Instant received, int maxCount, long maxBytes) {
        int bytes = stanza.getBytes(StandardCharsets.UTF_8).length;
        return db.tx("storing an offline message for " + owner, s -> {
            if (!Database.lockOwner(s, owner)) {
                return false;
            }
            Object[] used = s.createSelectionQuery(
                            "select count(m), coalesce(sum(m.bytes), 0) from OfflineMessage m where m.owner = :owner",
                            Object[].class)
                    .setParameter("owner", owner.toString()).getSingleResult();
            if (((Number) used[0]).longValue() >= maxCount || ((Number) used[1]).longValue() + bytes > maxBytes) {
                return false;
            }
            OfflineMessageEntity e = new OfflineMessageEntity();
            e.owner = owner.toString();
            e.received = received;
            e.stanza = stanza;
            e.bytes = bytes;
            s.persist(e);
            return true;
        });
    }

    @Override
    public List<StoredMessage> fetch(Jid owner, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return db.tx("fetching the offline messages of " + owner, s -> s.createSelectionQuery(
                        "from OfflineMessage m where m.owner = :owner order by m.id", OfflineMessageEntity.class)
                .setParameter("owner", owner.toString()).setMaxResults(limit).getResultStream()
                .map(e -> new StoredMessage(e.id, e.received, e.stanza)).toList());
    }

    @Override
    public void delete(Jid owner, List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        db.tx("deleting offline messages of " + owner, s -> s.createMutationQuery(
                        "delete from OfflineMessage m where m.owner = :owner and m.id in :ids")
                .setParameter("owner", owner.toString()).setParameterList("ids", ids).executeUpdate());
    }

    @Override
    public int count(Jid owner) {
        return db.tx("counting the offline messages of " + owner, s -> s.createSelectionQuery(
                        "select count(m) from OfflineMessage m where m.owner = :owner", Long.class)
                .setParameter("owner", owner.toString()).getSingleResult().intValue());
    }
}
