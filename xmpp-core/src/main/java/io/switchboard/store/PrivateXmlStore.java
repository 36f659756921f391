package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.Optional;

/** Private XML storage (XEP-0049): one XML fragment per user and key (the fragment's qualified name). */
public interface PrivateXmlStore {

    Optional<String> get(Jid owner, String key);

    /**
     * Stores or replaces a fragment.
     *
     * @return false when the user's fragments would exceed {@code maxTotalBytes}, or the owner has no
     *         account (nothing stored)
     */
    boolean put(Jid owner, String key, String xml, long maxTotalBytes);
}
