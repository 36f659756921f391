package io.switchboard.im;

import io.switchboard.jid.Jid;
import io.switchboard.routing.IqTracker;
import io.switchboard.session.ClientSession;
import io.switchboard.session.LocalSessions;
import io.switchboard.stanza.Iq;
import io.switchboard.store.RosterItem;
import io.switchboard.store.RosterSnapshot;
import io.switchboard.store.RosterStore;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Rosters (RFC 6121 §2): cached in memory while the owner has sessions on this node, written
 * through to storage, pushed to the owner's interested resources on every change, versioned
 * (XEP-0237).
 *
 * @implNote thread-safe; changes to one roster are serialized on that roster.
 */
public final class RosterService {

    /** One cached roster. */
    private static final class Roster {
        final Map<Jid, RosterItem> items = new LinkedHashMap<>();
        long version;
        /** Evicted from the cache: whoever holds it must load the roster again. */
        boolean dead;
    }

    /** The result of a change. */
    public record Change(RosterItem before, RosterItem after, long version) {
    }

    private final RosterStore store;
    private final LocalSessions sessions;
    private final IqTracker tracker;
    private final ConcurrentHashMap<Jid, Roster> cache = new ConcurrentHashMap<>();

    public RosterService(RosterStore store, LocalSessions sessions, IqTracker tracker) {
        this.store = store;
        this.sessions = sessions;
        this.tracker = tracker;
    }

    private Roster roster(Jid owner) {
        Roster r = cache.get(owner);
        if (r != null) {
            return r;
        }
        RosterSnapshot s = store.load(owner);
        Roster fresh = new Roster();
        for (RosterItem i : s.items()) {
            fresh.items.put(i.jid(), i);
        }
        fresh.version = s.version();
        Roster prev = cache.putIfAbsent(owner, fresh);
        return prev == null ? fresh : prev;
    }

    /** Runs {@code f} on the owner's cached roster while holding its lock. */
    private <T> T locked(Jid owner, java.util.function.Function<Roster, T> f) {
        while (true) {
            Roster r = roster(owner);
            T result;
            synchronized (r) {
                if (r.dead) {
                    continue;
                }
                result = f.apply(r);
            }
            // Rosters of accounts without a session here are not kept.
            evictIfOffline(owner);
            return result;
        }
    }

    /** Loads the roster of an owner with a session here into the cache (done at bind). */
    public void load(Jid owner) {
        locked(owner, r -> null);
    }

    /** Drops the cached roster once the owner has no session left on this node. */
    public void evictIfOffline(Jid owner) {
        if (sessions.isOnline(owner)) {
            return;
        }
        Roster r = cache.get(owner);
        if (r != null) {
            synchronized (r) {
                if (!sessions.isOnline(owner)) {
                    r.dead = true;
                    cache.remove(owner, r);
                }
            }
        }
    }

    /** Every item (hidden ones included) and the version. */
    public RosterSnapshot snapshot(Jid owner) {
        return locked(owner, r -> new RosterSnapshot(new ArrayList<>(r.items.values()), r.version));
    }

    public RosterItem item(Jid owner, Jid contact) {
        return locked(owner, r -> r.items.get(contact));
    }

    /** Items the owner sees. */
    public List<RosterItem> visibleItems(Jid owner) {
        return locked(owner, r -> {
            List<RosterItem> out = new ArrayList<>(r.items.size());
            for (RosterItem i : r.items.values()) {
                if (i.visible()) {
                    out.add(i);
                }
            }
            return out;
        });
    }

    public int size(Jid owner) {
        return locked(owner, r -> r.items.size());
    }

    /**
     * Changes one item atomically: {@code f} gets the current item (or null) and returns the new one
     * (or null to remove it). Nothing is written when it returns the same item. Visible changes are
     * pushed to the owner's interested resources.
     */
    public Change update(Jid owner, Jid contact, UnaryOperator<RosterItem> f) {
        Change change = locked(owner, r -> {
            RosterItem before = r.items.get(contact);
            RosterItem after = f.apply(before);
            if (java.util.Objects.equals(before, after)) {
                return new Change(before, after, r.version);
            }
            long v;
            if (after == null) {
                v = store.remove(owner, contact);
                r.items.remove(contact);
            } else {
                v = store.put(owner, after);
                r.items.put(contact, after);
            }
            r.version = v;
            return new Change(before, after, v);
        });
        if (java.util.Objects.equals(change.before(), change.after())) {
            return change;
        }
        boolean wasVisible = change.before() != null && change.before().visible();
        boolean isVisible = change.after() != null && change.after().visible();
        if (isVisible) {
            push(owner, itemElement(change.after()), change.version());
        } else if (wasVisible) {
            push(owner, removedElement(contact), change.version());
        }
        return change;
    }

    /** Sends a roster push to every interested resource of the owner (RFC 6121 §2.1.6). */
    private void push(Jid owner, XmlElement item, long version) {
        Collection<ClientSession> list = sessions.of(owner);
        for (ClientSession s : list) {
            if (s.isInterested()) {
                XmlElement q = XmlElement.builder(Ns.ROSTER, "query").attr("ver", Long.toString(version)).child(item).build();
                s.deliver(Iq.request(Iq.Type.SET, tracker.newId("push"), null, s.jid(), q));
            }
        }
    }

    /** The {@code <item/>} element of a visible roster item. */
    public static XmlElement itemElement(RosterItem i) {
        XmlElement.Builder b = XmlElement.builder(Ns.ROSTER, "item").attr("jid", i.jid().toString());
        if (i.name() != null) {
            b.attr("name", i.name());
        }
        b.attr("subscription", i.subscription().wire());
        if (i.askOut()) {
            b.attr("ask", "subscribe");
        }
        if (i.approved()) {
            b.attr("approved", "true");
        }
        for (String g : i.groups()) {
            b.textChild(Ns.ROSTER, "group", g);
        }
        return b.build();
    }

    static XmlElement removedElement(Jid contact) {
        return XmlElement.builder(Ns.ROSTER, "item").attr("jid", contact.toString()).attr("subscription", "remove").build();
    }
}
