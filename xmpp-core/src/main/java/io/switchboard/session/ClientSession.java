package io.switchboard.session;

import io.switchboard.jid.Jid;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StreamError;
import java.time.Instant;
import java.util.Set;

/**
 * A bound client resource on this node. State changes (presence, interest, directed presence) are
 * made by the session's own worker; other threads read them.
 *
 * @implNote {@link #deliver} is thread-safe and non-blocking.
 */
public interface ClientSession {

    /** The bound full JID. */
    Jid jid();

    /** Unique id within this node. */
    long id();

    /**
     * Queues a stanza to the client.
     *
     * @return false when the session is already closed (the stanza was not taken)
     */
    boolean deliver(Stanza stanza);

    /**
     * False while the session waits for its client to resume (XEP-0198) after the connection dropped:
     * stanzas are kept for it, but the device is not reachable now (push notifications go out).
     */
    default boolean isConnected() {
        return true;
    }

    /** The current available presence, or null when the resource is unavailable. */
    Presence presence();

    void setPresence(Presence presence);

    default boolean isAvailable() {
        return presence() != null;
    }

    /** Priority of the current presence (0 when unavailable). */
    default int priority() {
        Presence p = presence();
        return p == null ? 0 : p.priority();
    }

    /** True once the client requested its roster (RFC 6121 "interested resource"). */
    boolean isInterested();

    void setInterested();

    /** JIDs this resource sent directed presence to while available (RFC 6121 §4.6). */
    Set<Jid> directedPresence();

    /** Per-session state of features (carbons on, client inactive, ...), keyed by their own key objects. */
    java.util.concurrent.ConcurrentMap<Object, Object> attributes();

    /** Carbons (XEP-0280) on for this session: set by the carbons IQ or inline by Bind2. */
    default boolean carbonsEnabled() {
        return attributes().containsKey(CarbonsFlag.ON);
    }

    default void enableCarbons() {
        attributes().put(CarbonsFlag.ON, Boolean.TRUE);
    }

    default void disableCarbons() {
        attributes().remove(CarbonsFlag.ON);
    }

    /** The attribute key of {@link #carbonsEnabled()}. */
    enum CarbonsFlag { ON }

    /** Closes the stream with an error (null for a clean close). */
    void close(StreamError error);

    String remoteAddress();

    boolean isSecure();

    Instant started();
}
