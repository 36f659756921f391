package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;
import java.util.Optional;

/**
 * Persistent group chat rooms (XEP-0045 {@code muc#roomconfig_persistentroom}). Only persistent
 * rooms are stored; the service saves a room whole after every change of its configuration,
 * affiliations or subject.
 */
public interface MucRoomStore {

    /** Inserts or replaces the room's record. */
    void save(MucRoomRecord room);

    Optional<MucRoomRecord> load(Jid room);

    /** Every stored room of one service domain ({@code conference.example.org}), ordered by room JID. */
    List<MucRoomRecord> list(String serviceDomain);

    /** @return false when there was no such room */
    boolean delete(Jid room);
}
