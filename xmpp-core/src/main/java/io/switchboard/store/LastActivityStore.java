package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.util.Optional;

/** Last logout times (XEP-0012). */
public interface LastActivityStore {

    /** Records the last logout; does nothing when the owner has no account (it was just deleted). */
    void set(Jid owner, Instant at, String status);

    Optional<LastActivity> get(Jid owner);
}
