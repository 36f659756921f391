package io.switchboard.ext.pubsub;

import io.switchboard.jid.Jid;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The XEP-0398 avatar hash of each account that has a session on this node, so that stamping a broadcast presence
 * costs no store read and no parse (without it, every presence read the account's {@code urn:xmpp:avatar:metadata}
 * item: one PostgreSQL query per presence).
 *
 * <p>Memory: an entry is kept only while its account is online here ({@link #offline} drops it when the last session
 * goes), so there are at most as many entries as accounts with sessions.
 *
 * <p>Consistency: {@link #invalidate} is called after every change of the metadata node has reached the store
 * (publish, retract, purge, delete, trim) and when the account is deleted; once it has returned, no older hash is
 * served. No lock is held while the store is read (a slow query does not hold up other accounts). A read that raced
 * an invalidation does not keep its result: the invalidation first advances a counter, then removes the entry; the
 * reader inserts its result only if the counter has not moved since it started reading, checked under the map's lock
 * for that key, so an insertion is either refused or comes before the invalidation's removal. An unrelated
 * invalidation at the same moment costs one more read, nothing else.
 *
 * @implNote thread-safe.
 */
final class AvatarHashes {

    /** What the account's metadata says: the hash, "" when the avatar is disabled, null when there is none. */
    private record Entry(String hash) {
    }

    private final ConcurrentHashMap<Jid, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong invalidations = new AtomicLong();
    private final Function<Jid, String> read;
    private final Predicate<Jid> online;

    /**
     * @param read   the current hash of a bare JID from the store ("" disabled, null none)
     * @param online whether the bare JID has a session on this node
     */
    AvatarHashes(Function<Jid, String> read, Predicate<Jid> online) {
        this.read = read;
        this.online = online;
    }

    /** The current hash of {@code owner} (bare): "" when disabled, null when the account has no avatar. */
    String get(Jid owner) {
        Entry e = entries.get(owner);
        if (e != null) {
            return e.hash();
        }
        long seen = invalidations.get();
        String hash = read.apply(owner);
        Entry fresh = new Entry(hash);
        // Kept only when no invalidation started since the read began, checked atomically with the insertion.
        entries.compute(owner, (k, current) -> current != null ? current
                : invalidations.get() == seen && online.test(owner) ? fresh : null);
        return hash;
    }

    /** The metadata of {@code owner} changed in the store, or the account is gone: the next read goes to the store. */
    void invalidate(Jid owner) {
        invalidations.incrementAndGet();
        entries.remove(owner);
    }

    /** A session of {@code owner} ended: the entry goes when it was the last one on this node. */
    void offline(Jid owner) {
        if (!online.test(owner)) {
            invalidate(owner);
        }
    }

    /** Accounts cached (tests, the admin console). */
    int size() {
        return entries.size();
    }
}
