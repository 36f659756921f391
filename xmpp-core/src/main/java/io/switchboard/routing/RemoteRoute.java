package io.switchboard.routing;

import io.switchboard.stanza.Stanza;

/**
 * Carries stanzas to domains this server does not host (federation). Without one, such stanzas
 * bounce with {@code remote-server-not-found}.
 */
public interface RemoteRoute {

    /** Queues a stanza for its remote domain; failures come back to the sender as error stanzas. */
    void send(Stanza stanza);
}
