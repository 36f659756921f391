package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.Set;

/**
 * XEP-0313 archiving preferences: a default (always, never, roster) and JIDs always or never archived.
 */
public record ArchivePreferences(String defaultMode, Set<Jid> always, Set<Jid> never) {

    public static final ArchivePreferences DEFAULT = new ArchivePreferences("always", Set.of(), Set.of());

    public ArchivePreferences {
        always = Set.copyOf(always);
        never = Set.copyOf(never);
    }
}
