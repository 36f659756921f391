package io.switchboard.store;

import io.switchboard.store.memory.InMemoryStorage;

class InMemoryStorageTest extends StorageContract {
    private final InMemoryStorage storage = new InMemoryStorage();

    @Override
    protected Storage storage() {
        return storage;
    }
}
