package io.switchboard.store.memory;

import io.switchboard.jid.Jid;
import io.switchboard.store.MucRoomRecord;
import io.switchboard.store.MucRoomStore;
import io.switchboard.store.StorageException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Persistent rooms in memory; an instance outlives a server when a test hands the same one to the
 * next server.
 *
 * @implNote thread-safe.
 */
public final class InMemoryMucRoomStore implements MucRoomStore {

    private final Map<Jid, MucRoomRecord> rooms = new ConcurrentHashMap<>();

    @Override
    public void save(MucRoomRecord room) {
        Set<String> keys = new HashSet<>();
        for (String nick : room.nicks().values()) {
            if (!keys.add(MucRoomRecord.nickKey(nick))) {
                throw new StorageException("two users of " + room.room() + " registered the nick " + nick);
            }
        }
        rooms.put(room.room().bare(), room);
    }

    @Override
    public Optional<MucRoomRecord> load(Jid room) {
        return Optional.ofNullable(rooms.get(room.bare()));
    }

    @Override
    public List<MucRoomRecord> list(String serviceDomain) {
        return rooms.values().stream().filter(r -> r.room().domain().equals(serviceDomain))
                .sorted(java.util.Comparator.comparing(MucRoomRecord::room)).toList();
    }

    @Override
    public boolean delete(Jid room) {
        return rooms.remove(room.bare()) != null;
    }
}
