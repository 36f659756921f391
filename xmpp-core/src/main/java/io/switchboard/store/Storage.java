package io.switchboard.store;

import java.util.function.Consumer;

/**
 * All persistence the server uses, opened once at start-up and closed at shutdown.
 */
public interface Storage extends AutoCloseable {

    UserStore users();

    RosterStore rosters();

    OfflineStore offline();

    PrivateXmlStore privateXml();

    LastActivityStore lastActivity();

    MessageArchive archive();

    /** Persistent group chat rooms (XEP-0045). */
    MucRoomStore mucRooms();

    /** Personal eventing (XEP-0163) nodes and items. */
    PubSubStore pubsub();

    ArchivePreferencesStore archivePreferences();

    BlockListStore blockLists();

    VCardStore vcards();

    PushStore push();

    FastTokenStore fastTokens();

    /**
     * Subscribes to account changes, including those made by other processes on the same database.
     * Listeners run on a storage thread and must hand work off quickly.
     */
    void onAccountChange(Consumer<AccountChange> listener);

    /** Human-readable description for logs and status, e.g. {@code embedded PostgreSQL 17 at data/db}. */
    String describe();

    /** Flushes and releases everything. */
    @Override
    void close();
}
