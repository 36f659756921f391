package io.switchboard.store;

import java.util.List;

/** A whole roster, hidden entries included, at a version (XEP-0237). */
public record RosterSnapshot(List<RosterItem> items, long version) {
    public RosterSnapshot {
        items = List.copyOf(items);
    }
}
