package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.RosterItem;
import io.switchboard.store.RosterSnapshot;
import io.switchboard.store.RosterStore;
import io.switchboard.store.StorageException;
import java.util.List;
import org.hibernate.Session;

/**
 * Rosters in {@code roster_item} and {@code roster_version}. Every change locks the owner's account
 * row first, so concurrent changes get consecutive versions; {@link #load} reads from one snapshot,
 * so that the items and the version it returns belong together.
 */
final class HibernateRosterStore implements RosterStore {

    private final Database db;

    HibernateRosterStore(Database db) {
        this.db = db;
    }

    /** Items ordered by contact JID. */
    @Override
    public RosterSnapshot load(Jid owner) {
        return db.tx("loading the roster of " + owner, s -> {
            Database.snapshot(s);
            List<RosterItem> items = s.createSelectionQuery(
                            "from RosterItem r where r.owner = :owner order by r.contact", RosterItemEntity.class)
                    .setParameter("owner", owner.toString()).getResultStream().map(HibernateRosterStore::toItem).toList();
            return new RosterSnapshot(items, version(s, owner));
        });
    }

    /** @throws StorageException when the owner has no account */
    @Override
    public long put(Jid owner, RosterItem item) {
        return db.tx("changing the roster of " + owner, s -> {
            if (!Database.lockOwner(s, owner)) {
                throw new StorageException("no account " + owner + " to own a roster");
            }
            RosterItemEntity e = s.find(RosterItemEntity.class, new RosterItemEntity.Key(owner.toString(), item.jid().toString()));
            if (e == null) {
                e = new RosterItemEntity();
                e.owner = owner.toString();
                e.contact = item.jid().toString();
                copy(item, e);
                s.persist(e);
            } else {
                copy(item, e);
            }
            return increment(s, owner);
        });
    }

    @Override
    public long remove(Jid owner, Jid contact) {
        return db.tx("changing the roster of " + owner, s -> {
            if (!Database.lockOwner(s, owner)) {
                return 0L;
            }
            RosterItemEntity e = s.find(RosterItemEntity.class, new RosterItemEntity.Key(owner.toString(), contact.toString()));
            if (e == null) {
                return version(s, owner);
            }
            s.remove(e);
            return increment(s, owner);
        });
    }

    private static long version(Session s, Jid owner) {
        RosterVersionEntity v = s.find(RosterVersionEntity.class, owner.toString());
        return v == null ? 0 : v.version;
    }

    /** Call with the owner locked. */
    private static long increment(Session s, Jid owner) {
        RosterVersionEntity v = s.find(RosterVersionEntity.class, owner.toString());
        if (v == null) {
            v = new RosterVersionEntity();
            v.owner = owner.toString();
            v.version = 1;
            s.persist(v);
        } else {
            v.version++;
        }
        return v.version;
    }

    private static void copy(RosterItem item, RosterItemEntity e) {
        e.name = item.name();
        e.groups = item.groups().toArray(String[]::new);
        e.subscription = item.subscription();
        e.askOut = item.askOut();
        e.pendingIn = item.pendingIn();
        e.approved = item.approved();
        e.visible = item.visible();
        e.pendingInStanza = item.pendingInStanza();
    }

    private static RosterItem toItem(RosterItemEntity e) {
        return new RosterItem(Jid.of(e.contact), e.name, List.of(e.groups), e.subscription, e.askOut, e.pendingIn,
                e.approved, e.visible, e.pendingInStanza);
    }
}
