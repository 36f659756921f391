package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.Collection;
import java.util.Set;

/** Block lists (XEP-0191): the JIDs (bare, full, domain) a user blocks. */
public interface BlockListStore {

    Set<Jid> load(Jid owner);

    /** Adds JIDs. @return false when the list would exceed {@code max} entries (nothing added) */
    boolean add(Jid owner, Collection<Jid> jids, int max);

    void remove(Jid owner, Collection<Jid> jids);

    void clear(Jid owner);
}
