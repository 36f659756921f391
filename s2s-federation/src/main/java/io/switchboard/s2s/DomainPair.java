package io.switchboard.s2s;

/**
 * A (local domain, remote domain) pair: the key of an outbound stream's state and of what an
 * inbound stream authenticated. Built per stanza, so a small record rather than a concatenated
 * string.
 *
 * @param local  a domain this server hosts
 * @param remote the peer's domain
 */
record DomainPair(String local, String remote) {
}
