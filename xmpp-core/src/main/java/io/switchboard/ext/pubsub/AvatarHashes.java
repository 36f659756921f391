package io.switchboard.ext.pubsub;

import io.switchboard.jid.Jid;
import io.switchboard.session.OnlineAccountCache;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The XEP-0398 avatar hash of each account that has a session on this node, so that stamping a broadcast presence
 * costs no store read and no parse (without it, every presence read the account's {@code urn:xmpp:avatar:metadata}
 * item: one PostgreSQL query per presence).
 *
 * <p>Kept and invalidated as {@link OnlineAccountCache} describes: {@link #invalidate} is called after every change
 * of the metadata node has reached the store (publish, retract, purge, delete, trim) and when the account is deleted;
 * once it has returned, no older hash is served, and no lock is held while the store is read.
 *
 * @implNote thread-safe.
 */
final class AvatarHashes {

    /** What the account's metadata says: the hash, "" when the avatar is disabled, null when there is none. */
    private record Entry(String hash) {
    }

    private final OnlineAccountCache<Entry> entries;

    /**
     * @param read   the current hash of a bare JID from the store ("" disabled, null none)
     * @param online whether the bare JID has a session on this node
     */
    AvatarHashes(Function<Jid, String> read, Predicate<Jid> online) {
        this.entries = new OnlineAccountCache<>(owner -> new Entry(read.apply(owner)), online);
    }

    /** The current hash of {@code owner} (bare): "" when disabled, null when the account has no avatar. */
    String get(Jid owner) {
        return entries.get(owner).hash();
    }

    /** The metadata of {@code owner} changed in the store, or the account is gone: the next read goes to the store. */
    void invalidate(Jid owner) {
        entries.invalidate(owner);
    }

    /** A session of {@code owner} ended: the entry goes when it was the last one on this node. */
    void offline(Jid owner) {
        entries.offline(owner);
    }

    /** Accounts cached (tests, the admin console). */
    int size() {
        return entries.size();
    }
}
