package io.switchboard.store;

import io.switchboard.store.memory.InMemoryPubSubStore;

class InMemoryPubSubStoreTest extends PubSubStoreContract {
    private final InMemoryPubSubStore store = new InMemoryPubSubStore();

    @Override
    protected PubSubStore store() {
        return store;
    }
}
