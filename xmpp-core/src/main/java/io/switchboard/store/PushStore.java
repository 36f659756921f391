package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;

/** Push registrations (XEP-0357), keyed by (owner, service, node). */
public interface PushStore {

    /** Adds or replaces the registration with the same service and node. */
    void put(PushRegistration r);

    List<PushRegistration> list(Jid owner);

    /** Removes one registration, or every one of the service when {@code node} is null. @return how many */
    int remove(Jid owner, Jid service, String node);
}
