package io.switchboard.routing;

import io.switchboard.jid.Jid;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Message;
import java.util.List;

/**
 * A step that messages pass through (archiving, carbons, push). Hooks run in registration order on
 * the sending session's worker and must not block for long.
 */
public interface MessageHook {

    /**
     * A local client's message before it is routed ({@code from} already stamped).
     *
     * @return the message to route (possibly changed), or null when the hook handled it
     */
    default Message outgoing(ClientSession sender, Message m) {
        return m;
    }

    /**
     * A message for a local account, from anywhere, before delivery.
     *
     * @return the message to deliver (possibly changed, e.g. with a stanza-id), or null to stop
     */
    default Message incoming(Jid recipient, Message m) {
        return m;
    }

    /**
     * An incoming message went to these resources (empty when it was stored offline).
     *
     * @param stored true when it went to offline storage
     */
    default void delivered(Jid recipient, Message m, List<Jid> resources, boolean stored) {
    }
}
