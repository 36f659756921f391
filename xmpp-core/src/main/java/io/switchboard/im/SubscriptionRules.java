package io.switchboard.im;

import io.switchboard.stanza.Presence;
import io.switchboard.store.Subscription;

/**
 * RFC 6121 Appendix A as pure functions: how a subscription stanza changes the state of a roster
 * item, and what the server does with the stanza. {@code SubscriptionRulesTest} walks the RFC's
 * tables.
 */
public final class SubscriptionRules {

    /** What follows from a subscription stanza. */
    public record Outcome(SubscriptionState state, boolean forward, boolean autoReplySubscribed) {
        static Outcome of(SubscriptionState s, boolean forward) {
            return new Outcome(s, forward, false);
        }
    }

    private SubscriptionRules() {
    }

    /**
     * The user sends {@code type} to the contact (A.2). {@code forward} tells whether the server
     * routes the stanza to the contact.
     */
    public static Outcome outbound(SubscriptionState s, Presence.Type type) {
        Subscription sub = s.sub();
        switch (type) {
            case SUBSCRIBE:
                if (sub.hasTo()) {
                    // Already subscribed: no state change; the stanza is still routed (§3.1.2).
                    return Outcome.of(s, true);
                }
                return Outcome.of(new SubscriptionState(sub, true, s.pendingIn(), s.approved()), true);
            case UNSUBSCRIBE:
                return Outcome.of(new SubscriptionState(sub.hasFrom() ? Subscription.FROM : Subscription.NONE, false,
                        s.pendingIn(), s.approved()), true);
            case SUBSCRIBED:
                if (s.pendingIn()) {
                    return Outcome.of(new SubscriptionState(sub.hasTo() ? Subscription.BOTH : Subscription.FROM, s.askOut(),
                            false, false), true);
                }
                if (sub.hasFrom()) {
                    return Outcome.of(s, false);
                }
                // §3.4: no pending request, so this is a pre-approval; not routed.
                return Outcome.of(new SubscriptionState(sub, s.askOut(), false, true), false);
            case UNSUBSCRIBED:
                if (sub.hasFrom() || s.pendingIn()) {
                    return Outcome.of(new SubscriptionState(sub.hasTo() ? Subscription.TO : Subscription.NONE, s.askOut(),
                            false, false), true);
                }
                return Outcome.of(new SubscriptionState(sub, s.askOut(), false, false), false);
            default:
                throw new IllegalArgumentException("not a subscription type: " + type);
        }
    }

    /**
     * The contact sends {@code type} to the user (A.3). {@code forward} tells whether it is
     * delivered to the user; {@code autoReplySubscribed} whether the server answers it on the
     * user's behalf (already subscribed, or pre-approved).
     */
    public static Outcome inbound(SubscriptionState s, Presence.Type type) {
        Subscription sub = s.sub();
        switch (type) {
            case SUBSCRIBE:
                if (sub.hasFrom()) {
                    return new Outcome(s, false, true);
                }
                if (s.approved()) {
                    return new Outcome(new SubscriptionState(sub.hasTo() ? Subscription.BOTH : Subscription.FROM,
                            s.askOut(), false, false), false, true);
                }
                return Outcome.of(new SubscriptionState(sub, s.askOut(), true, s.approved()), true);
            case UNSUBSCRIBE:
                if (sub.hasFrom() || s.pendingIn()) {
                    return Outcome.of(new SubscriptionState(sub.hasTo() ? Subscription.TO : Subscription.NONE, s.askOut(),
                            false, s.approved()), true);
                }
                return Outcome.of(s, false);
            case SUBSCRIBED:
                if (s.askOut()) {
                    return Outcome.of(new SubscriptionState(sub.hasFrom() ? Subscription.BOTH : Subscription.TO, false,
                            s.pendingIn(), s.approved()), true);
                }
                return Outcome.of(s, false);
            case UNSUBSCRIBED:
                if (sub.hasTo() || s.askOut()) {
                    return Outcome.of(new SubscriptionState(sub.hasFrom() ? Subscription.FROM : Subscription.NONE, false,
                            s.pendingIn(), s.approved()), true);
                }
                return Outcome.of(s, false);
            default:
                throw new IllegalArgumentException("not a subscription type: " + type);
        }
    }
}
