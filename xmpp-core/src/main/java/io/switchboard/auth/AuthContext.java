package io.switchboard.auth;

import io.switchboard.transport.TlsInfo;

/**
 * What a mechanism knows about the connection it runs on.
 *
 * @param domain            the XMPP domain being logged in to
 * @param tls               TLS state, or null on a plaintext connection
 * @param plusAdvertised    true when -PLUS mechanisms were offered on this connection (a client
 *                          that says it could bind but thinks the server cannot is being downgraded)
 */
public record AuthContext(String domain, TlsInfo tls, boolean plusAdvertised) {
}
