package io.switchboard.transport;

import io.switchboard.tls.TlsContexts;
import io.switchboard.xml.XmlLimits;
import java.util.function.Function;

/**
 * A listening socket: where it binds, whether TLS starts at once (XEP-0368), and the stream logic
 * for each accepted connection.
 *
 * @param name            for logs and thread names, e.g. {@code c2s}
 * @param bindAddress     host or IP to bind
 * @param port            port, 0 for any free port
 * @param directTls       TLS handshake right after accept
 * @param initialLimits   parser limits before authentication
 * @param idleSeconds     input silence that raises {@link ConnectionHandler#onIdle()} (0 = never)
 * @param maxPreAuthPerIp connections one IP may hold before they authenticate
 * @param maxWriteQueueBytes bytes queued for a peer that does not read before it is disconnected
 * @param handlers        creates the handler of each new connection
 * @param tls             TLS contexts of this listener's connections, or null for the transport's
 */
public record ListenerSpec(String name, String bindAddress, int port, boolean directTls, XmlLimits initialLimits,
                           int idleSeconds, int maxPreAuthPerIp, long maxWriteQueueBytes,
                           Function<Connection, ConnectionHandler> handlers, TlsContexts tls) {

    /** A listener using the transport's TLS contexts. */
    public ListenerSpec(String name, String bindAddress, int port, boolean directTls, XmlLimits initialLimits,
                        int idleSeconds, int maxPreAuthPerIp, long maxWriteQueueBytes,
                        Function<Connection, ConnectionHandler> handlers) {
        this(name, bindAddress, port, directTls, initialLimits, idleSeconds, maxPreAuthPerIp, maxWriteQueueBytes,
                handlers, null);
    }
}
