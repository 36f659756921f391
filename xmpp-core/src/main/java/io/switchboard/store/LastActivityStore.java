package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.util.Optional;

/** Last logout times (XEP-0012). */
public interface LastActivityStore {

    void set(Jid owner, Instant at, String status);

    Optional<LastActivity> get(Jid owner);
}
