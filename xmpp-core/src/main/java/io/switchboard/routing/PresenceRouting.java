package io.switchboard.routing;

import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Presence;

/** The presence logic the router hands presence stanzas to (RFC 6121 §3, §4). */
public interface PresenceRouting {

    /** Presence sent by a local client (broadcast, directed, or a subscription request). */
    void fromClient(ClientSession session, Presence presence);

    /** Presence addressed to a local account, from anywhere. */
    void toLocalAccount(Presence presence);
}
