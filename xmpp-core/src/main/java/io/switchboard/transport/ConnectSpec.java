package io.switchboard.transport;

import io.switchboard.tls.TlsContexts;
import io.switchboard.xml.XmlLimits;
import java.time.Duration;
import java.util.function.Function;

/**
 * An outbound connection (server-to-server): where to connect, whether TLS starts at once
 * (XEP-0368), and the stream logic of the connection.
 *
 * @param name               for logs, e.g. {@code s2s out}
 * @param host               host name or IP address to connect to
 * @param port               TCP port
 * @param directTls          TLS handshake (client side) right after the TCP connection
 * @param serverName         the name sent in TLS SNI (the remote XMPP domain), or null
 * @param initialLimits      parser limits before authentication
 * @param idleSeconds        input silence that raises {@link ConnectionHandler#onIdle()} (0 = never)
 * @param maxWriteQueueBytes bytes queued for a peer that does not read before it is disconnected
 * @param connectTimeout     how long the TCP connection may take
 * @param tls                TLS contexts of this connection, or null for the transport's
 * @param handlers           creates the handler of the connection once it is established
 */
public record ConnectSpec(String name, String host, int port, boolean directTls, String serverName,
                          XmlLimits initialLimits, int idleSeconds, long maxWriteQueueBytes, Duration connectTimeout,
                          TlsContexts tls, Function<Connection, ConnectionHandler> handlers) {
}
