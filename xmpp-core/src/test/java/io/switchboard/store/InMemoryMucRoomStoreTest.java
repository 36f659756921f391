package io.switchboard.store;

import io.switchboard.store.memory.InMemoryMucRoomStore;

class InMemoryMucRoomStoreTest extends MucRoomStoreContract {
    private final InMemoryMucRoomStore rooms = new InMemoryMucRoomStore();

    @Override
    protected MucRoomStore rooms() {
        return rooms;
    }
}
