package io.switchboard.transport.mina;

import io.switchboard.tls.TlsContexts;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionHandler;
import io.switchboard.xml.XmlLimits;
import java.util.function.Function;

/**
 * What a new session needs, whether accepted by a listener or opened by the connector.
 *
 * @param maxPreAuthPerIp per-IP admission cap, 0 for outbound connections (not gated)
 * @param directTlsClient outbound direct TLS: the TLS filter is installed in client mode at creation
 * @param serverName      SNI name for client-mode TLS, or null
 */
record SessionSetup(String name, XmlLimits limits, int idleSeconds, int maxPreAuthPerIp, long maxWriteQueueBytes,
                    TlsContexts tls, boolean directTlsClient, String serverName,
                    Function<Connection, ConnectionHandler> handlers) {
}
