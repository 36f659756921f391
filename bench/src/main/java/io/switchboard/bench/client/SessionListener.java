package io.switchboard.bench.client;

import io.switchboard.xml.XmlElement;

/** What a scenario hears from its sessions. Called on the session's loop thread. */
public interface SessionListener {

    /** Authenticated, bound, initial presence sent (or, when registering, the account exists). */
    default void ready(XmppSession s) {
    }

    /**
     * A message or presence stanza, or the answer to an iq the scenario sent (iq requests from the
     * server are answered by the session).
     *
     * @param receivedNanos {@code System.nanoTime()} right after the bytes were read from the socket
     */
    default void stanza(XmppSession s, XmlElement stanza, long receivedNanos) {
    }

    /**
     * The session is over.
     *
     * @param error  true when it ended other than by {@link XmppSession#close()}
     * @param reason short reason, e.g. {@code sasl:not-authorized}, {@code connect:Connection refused}
     */
    default void closed(XmppSession s, boolean error, String reason) {
    }
}
