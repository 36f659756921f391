package io.switchboard.routing;

import io.switchboard.jid.Jid;
import io.switchboard.stanza.StanzaError;
import java.util.List;

/** What to do with a message addressed to a local account (RFC 6121 §8.5). */
public sealed interface MessageDecision {

    /** Deliver to these connected resources. */
    record Deliver(List<Jid> resources) implements MessageDecision {
    }

    /** No resource should receive it now: keep it for the account (XEP-0160). */
    record StoreOffline() implements MessageDecision {
    }

    /** Return this error to the sender. */
    record Bounce(StanzaError error) implements MessageDecision {
    }

    /** Silently drop it. */
    record Drop() implements MessageDecision {
    }
}
