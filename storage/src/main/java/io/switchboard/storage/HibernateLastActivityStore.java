package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.LastActivity;
import io.switchboard.store.LastActivityStore;
import java.time.Instant;
import java.util.Optional;

/** Last logouts in {@code last_activity}. */
final class HibernateLastActivityStore implements LastActivityStore {

    private final Database db;

    HibernateLastActivityStore(Database db) {
        this.db = db;
    }

    /**
     * Does nothing when the owner has no account: a deleted user's sessions end after the deletion
     * (that is how {@code deluser} disconnects them).
     */
    @Override
    public void set(Jid owner, Instant at, String status) {
        db.tx("recording the last activity of " + owner, s -> {
            if (!Database.lockOwner(s, owner)) {
                return null;
            }
            LastActivityEntity e = s.find(LastActivityEntity.class, owner.toString());
            if (e == null) {
                e = new LastActivityEntity();
                e.owner = owner.toString();
                e.at = at;
                e.status = status;
                s.persist(e);
            } else {
                e.at = at;
                e.status = status;
            }
            return null;
        });
    }

    @Override
    public Optional<LastActivity> get(Jid owner) {
        return db.tx("reading the last activity of " + owner, s -> Optional.ofNullable(
                s.find(LastActivityEntity.class, owner.toString())).map(e -> new LastActivity(e.at, e.status)));
    }
}
