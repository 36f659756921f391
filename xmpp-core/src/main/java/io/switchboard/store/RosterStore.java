package io.switchboard.store;

import io.switchboard.jid.Jid;

/**
 * Rosters. Each change increases the roster's version by one; versions start at 0 for an empty
 * roster that was never changed. The order of items is unspecified. Writing to the roster of an
 * account that does not exist fails with {@link StorageException}; removing from it returns 0.
 */
public interface RosterStore {

    RosterSnapshot load(Jid owner);

    /** Inserts or replaces the item for {@code item.jid()}. @return the roster's new version */
    long put(Jid owner, RosterItem item);

    /** Removes the item. @return the roster's new version (unchanged when there was no such item) */
    long remove(Jid owner, Jid contact);
}
