package io.switchboard.transport;

/** A bound listening socket. */
public interface Listener extends AutoCloseable {
    /** The port actually bound (useful when the spec asked for 0). */
    int port();

    /** Stops accepting; existing connections stay. */
    @Override
    void close();
}
