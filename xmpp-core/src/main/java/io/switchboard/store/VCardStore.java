package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.Optional;

/** vcard-temp (XEP-0054): one vCard per user, stored as XML. */
public interface VCardStore {

    Optional<String> get(Jid owner);

    void put(Jid owner, String vcard);

    void delete(Jid owner);
}
