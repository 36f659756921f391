package io.switchboard.session;

import io.switchboard.jid.Jid;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A value read from the store per account (bare JID), kept while the account has a session on this
 * node, so that a hot path (every presence, every message) reads no storage.
 *
 * <p>Memory: an entry is kept only while its account is online here ({@link #offline} drops it when
 * the last session goes), so there are at most as many entries as accounts with sessions.
 *
 * <p>Consistency: {@link #invalidate} is called after every change of the value has reached the
 * store, and when the account is deleted; once it has returned, no older value is served. No lock
 * is held while the store is read (a slow query does not hold up other accounts, nor this one's
 * invalidation). A read that raced an invalidation does not keep its result: the invalidation first
 * advances a counter, then removes the entry; the reader inserts its result only if the counter has
 * not moved since it started reading, checked under the map's lock for that key, so an insertion is
 * either refused or comes before the invalidation's removal. An unrelated invalidation at the same
 * moment costs one more read, nothing else.
 *
 * @param <V> the cached value, never null
 * @implNote thread-safe.
 */
public final class OnlineAccountCache<V> {

    private final ConcurrentHashMap<Jid, V> entries = new ConcurrentHashMap<>();
    private final AtomicLong invalidations = new AtomicLong();
    private final Function<Jid, V> read;
    private final Predicate<Jid> online;

    /**
     * @param read   the current value of a bare JID from the store, never null
     * @param online whether the bare JID has a session on this node
     */
    public OnlineAccountCache(Function<Jid, V> read, Predicate<Jid> online) {
        this.read = read;
        this.online = online;
    }

    /** The current value of {@code owner} (bare): cached, or read from the store (and kept when online here). */
    public V get(Jid owner) {
        V v = entries.get(owner);
        if (v != null) {
            return v;
        }
        long seen = invalidations.get();
        V fresh = read.apply(owner);
        // Kept only when no invalidation started since the read began, checked atomically with the insertion.
        entries.compute(owner, (k, current) -> current != null ? current
                : invalidations.get() == seen && online.test(owner) ? fresh : null);
        return fresh;
    }

    /** The value of {@code owner} changed in the store, or the account is gone: the next get reads the store. */
    public void invalidate(Jid owner) {
        invalidations.incrementAndGet();
        entries.remove(owner);
    }

    /**
     * A session of {@code owner} ended: the entry goes when it was the last one on this node. The
     * value itself did not change, so reads under way for other accounts keep theirs (a reader
     * inserts only while the account is online, checked under the key's lock, so an account that
     * went offline is never left with an entry).
     */
    public void offline(Jid owner) {
        if (!online.test(owner)) {
            entries.remove(owner);
        }
    }

    /** Accounts cached (tests, the admin console). */
    public int size() {
        return entries.size();
    }
}
