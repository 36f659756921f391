package io.switchboard.store;

/** The storage backend failed (database unreachable, constraint broken); nothing was changed. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
