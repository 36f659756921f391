package io.switchboard.routing;

import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;

/**
 * Decides whether a stanza may pass between a local account and someone else (blocking,
 * XEP-0191). Checked by the router for every stanza leaving or reaching a local account.
 */
public interface StanzaFilter {

    /** What to do with a stanza. */
    sealed interface Verdict permits Allow, Drop, Reject {
    }

    record Allow() implements Verdict {
    }

    record Drop() implements Verdict {
    }

    record Reject(StanzaError error) implements Verdict {
    }

    Verdict ALLOW = new Allow();
    Verdict DROP = new Drop();

    /** A stanza from a local account ({@code from} is that account) to anyone. */
    default Verdict outbound(Stanza s) {
        return ALLOW;
    }

    /** A stanza to a local account ({@code to} is that account) from anyone. */
    default Verdict inbound(Stanza s) {
        return ALLOW;
    }
}
