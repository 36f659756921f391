package io.switchboard.routing;

import io.switchboard.cluster.Route;
import io.switchboard.jid.Jid;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.StanzaError;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6121 §8.5 for messages to a local account, as a pure function of the message type, the
 * address and the account's routes. No side effects: {@code RoutingPolicyTest} checks it against
 * the RFC's decision tables.
 */
public final class RoutingPolicy {

    private RoutingPolicy() {
    }

    /**
     * @param type          the message type
     * @param to            the address (bare or full) of a local account
     * @param routes        the account's connected resources
     * @param accountExists whether the account exists
     */
    public static MessageDecision message(Message.Type type, Jid to, List<Route> routes, boolean accountExists) {
        if (!accountExists) {
            // §8.5.1: no such user.
            return switch (type) {
                case HEADLINE, ERROR -> new MessageDecision.Drop();
                default -> new MessageDecision.Bounce(StanzaError.serviceUnavailable(null));
            };
        }
        if (to.isFull()) {
            for (Route r : routes) {
                if (r.full().equals(to)) {
                    // §8.5.3.1: the resource is connected: deliver, whatever the type.
                    return new MessageDecision.Deliver(List.of(to));
                }
            }
            // §8.5.3.2.1: no such resource.
            switch (type) {
                case GROUPCHAT:
                    return new MessageDecision.Bounce(StanzaError.serviceUnavailable(null));
                case HEADLINE:
                case ERROR:
                    return new MessageDecision.Drop();
                default:
                    // normal and chat: treat as if addressed to the bare JID.
                    break;
            }
        }
        return bare(type, routes);
    }

    /** §8.5.2: a message to the bare JID. */
    private static MessageDecision bare(Message.Type type, List<Route> routes) {
        if (type == Message.Type.GROUPCHAT) {
            return new MessageDecision.Bounce(StanzaError.serviceUnavailable(null));
        }
        List<Route> eligible = new ArrayList<>(routes.size());
        int max = Integer.MIN_VALUE;
        for (Route r : routes) {
            if (r.available() && r.priority() >= 0) {
                eligible.add(r);
                max = Math.max(max, r.priority());
            }
        }
        if (eligible.isEmpty()) {
            // §8.5.2.2: no available resource with non-negative priority.
            return switch (type) {
                case NORMAL, CHAT -> new MessageDecision.StoreOffline();
                default -> new MessageDecision.Drop();
            };
        }
        List<Jid> targets = new ArrayList<>(eligible.size());
        if (type == Message.Type.HEADLINE || type == Message.Type.ERROR) {
            // §8.5.2.1.1 headline: all available resources with non-negative priority.
            for (Route r : eligible) {
                targets.add(r.full());
            }
        } else {
            // normal and chat: the resource(s) with the highest priority.
            for (Route r : eligible) {
                if (r.priority() == max) {
                    targets.add(r.full());
                }
            }
        }
        return new MessageDecision.Deliver(targets);
    }
}
