package io.switchboard.transport;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the connections one IP address holds before they authenticate (security.md A14): checked
 * when the socket is accepted, before TLS or parser state is allocated.
 *
 * @implNote thread-safe.
 */
public final class ConnectionGate {

    private final ConcurrentHashMap<InetAddress, AtomicInteger> preAuth = new ConcurrentHashMap<>();

    /** True if the address may open another unauthenticated connection (and counts it). */
    public boolean tryAdmit(InetAddress ip, int max) {
        AtomicInteger n = preAuth.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > max) {
            release(ip);
            return false;
        }
        return true;
    }

    /** The connection authenticated or closed. */
    public void release(InetAddress ip) {
        preAuth.computeIfPresent(ip, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    public int count(InetAddress ip) {
        AtomicInteger n = preAuth.get(ip);
        return n == null ? 0 : n.get();
    }
}
