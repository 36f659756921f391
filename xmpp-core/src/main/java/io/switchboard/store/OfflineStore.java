package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.util.List;

/** Messages kept for users who are offline (XEP-0160). */
public interface OfflineStore {

    /**
     * Stores a message durably (it is on disk when this returns true), unless the owner already
     * has {@code maxCount} messages or {@code maxBytes} bytes stored.
     *
     * @return false when the quota is reached or the owner has no account (nothing stored)
     */
    boolean store(Jid owner, String stanza, Instant received, int maxCount, long maxBytes);

    /** The oldest {@code limit} messages, oldest first. */
    List<StoredMessage> fetch(Jid owner, int limit);

    void delete(Jid owner, List<Long> ids);

    int count(Jid owner);
}
