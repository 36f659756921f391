package io.switchboard.app;

import io.switchboard.config.Config;
import io.switchboard.config.CoreSettings;
import io.switchboard.storage.PostgresSettings;
import io.switchboard.storage.PostgresStorage;
import io.switchboard.store.Storage;
import io.switchboard.store.StorageException;
import io.switchboard.store.memory.InMemoryStorage;
import java.nio.file.Path;

/** Opens the storage the configuration names. */
final class StorageFactory {

    private StorageFactory() {
    }

    /**
     * @param forCommand true for the account commands (they need durable storage, and few connections)
     * @throws StorageUnavailableException when it cannot be opened
     */
    static Storage open(Config config, boolean forCommand) {
        if (config.get(CoreSettings.STORAGE_MODE) == CoreSettings.StorageMode.MEMORY) {
            if (forCommand) {
                throw new StorageUnavailableException("storage.mode is memory: accounts live only inside a running"
                        + " server, so this command has nothing to change", null);
            }
            return new InMemoryStorage(InMemoryStorage.MEMORY_MODE_ARCHIVE_MAX);
        }
        PostgresSettings s = new PostgresSettings(config.get(CoreSettings.DATABASE_URL),
                config.get(CoreSettings.DATABASE_USER), config.get(CoreSettings.DATABASE_PASSWORD),
                forCommand ? 2 : config.get(CoreSettings.DATABASE_POOL_SIZE), Path.of(config.get(CoreSettings.DATA_DIR)),
                PostgresSettings.DEFAULT_STATEMENT_TIMEOUT);
        try {
            return PostgresStorage.open(s);
        } catch (StorageException e) {
            throw new StorageUnavailableException("cannot open the database: " + e.getMessage(), e);
        }
    }
}
