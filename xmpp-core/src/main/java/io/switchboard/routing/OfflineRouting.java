package io.switchboard.routing;

import io.switchboard.stanza.Message;

/** Offline storage as the router sees it (XEP-0160). */
public interface OfflineRouting {

    /**
     * Keeps a message for its offline recipient, or returns an error to the sender when it cannot
     * be kept (quota) or is not worth keeping (chat states only). Called under the recipient's
     * {@link UserLocks} lock.
     */
    void store(Message message);
}
