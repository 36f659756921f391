package io.switchboard.storage;

import io.switchboard.store.MucRoomStore;
import io.switchboard.store.MucRoomStoreContract;
import org.junit.jupiter.api.extension.ExtendWith;

/** The room store contract on PostgreSQL. */
@ExtendWith(SharedPostgres.class)
class PostgresMucRoomStoreTest extends MucRoomStoreContract {

    @Override
    protected MucRoomStore rooms() {
        return SharedPostgres.storage().mucRooms();
    }
}
