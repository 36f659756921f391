package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.Optional;

/** Per-user archiving preferences (XEP-0313 §6). */
public interface ArchivePreferencesStore {

    Optional<ArchivePreferences> get(Jid owner);

    void put(Jid owner, ArchivePreferences prefs);
}
