package io.switchboard.transport;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * The network: binds listeners and owns the threads that read and write sockets. The one
 * implementation lives in {@code transport.mina}, the only package that imports the networking
 * library.
 */
public interface Transport extends AutoCloseable {

    Listener listen(ListenerSpec spec) throws IOException;

    /**
     * Opens an outbound connection. The future completes with the connection once TCP is
     * established (the handler's {@link ConnectionHandler#onOpen()} follows on its worker), or
     * exceptionally with an {@link IOException} when the peer cannot be reached in time.
     */
    CompletableFuture<Connection> connect(ConnectSpec spec);

    /** Open connections of all listeners. */
    Collection<Connection> connections();

    /** Unbinds all listeners and stops the threads; call after the sessions have been closed. */
    @Override
    void close();
}
