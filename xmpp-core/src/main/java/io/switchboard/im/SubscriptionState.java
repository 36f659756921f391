package io.switchboard.im;

import io.switchboard.store.RosterItem;
import io.switchboard.store.Subscription;

/**
 * The full subscription state of one contact (RFC 6121 Appendix A): the subscription, the
 * pending flags and pre-approval.
 */
public record SubscriptionState(Subscription sub, boolean askOut, boolean pendingIn, boolean approved) {

    public static final SubscriptionState NONE = new SubscriptionState(Subscription.NONE, false, false, false);

    public static SubscriptionState of(RosterItem item) {
        return item == null ? NONE : new SubscriptionState(item.subscription(), item.askOut(), item.pendingIn(), item.approved());
    }

    public RosterItem applyTo(RosterItem item) {
        return item.withState(sub, askOut, pendingIn, approved);
    }
}
