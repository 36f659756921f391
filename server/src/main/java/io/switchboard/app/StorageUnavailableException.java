package io.switchboard.app;

/** The configured storage cannot be opened; the message says why, for people. */
final class StorageUnavailableException extends RuntimeException {
    StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
