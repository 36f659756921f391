package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;
import java.util.Objects;

/**
 * One contact in a user's roster, with the full subscription state of RFC 6121 Appendix A.
 *
 * @param jid          the contact (bare JID)
 * @param name         the user's name for the contact, or null
 * @param groups       group names, in order, no duplicates
 * @param subscription to / from / both / none
 * @param askOut       the user asked to subscribe and the contact has not answered ("pending out")
 * @param pendingIn    the contact asked to subscribe and the user has not answered ("pending in")
 * @param approved     the user pre-approved a subscription request from the contact (RFC 6121 §3.4)
 * @param visible      part of the roster the user sees; false for an entry that only records a
 *                     pending request from someone not in the roster
 * @param pendingInStanza the subscription request as received (to redeliver it at login), or null
 */
public record RosterItem(Jid jid, String name, List<String> groups, Subscription subscription, boolean askOut,
                         boolean pendingIn, boolean approved, boolean visible, String pendingInStanza) {

    public RosterItem {
        Objects.requireNonNull(jid, "jid");
        Objects.requireNonNull(subscription, "subscription");
        groups = List.copyOf(groups);
    }

    /** A new visible item with no subscription. */
    public static RosterItem of(Jid jid) {
        return new RosterItem(jid, null, List.of(), Subscription.NONE, false, false, false, true, null);
    }

    public RosterItem withName(String n) {
        return new RosterItem(jid, n, groups, subscription, askOut, pendingIn, approved, visible, pendingInStanza);
    }

    public RosterItem withGroups(List<String> g) {
        return new RosterItem(jid, name, g, subscription, askOut, pendingIn, approved, visible, pendingInStanza);
    }

    public RosterItem withState(Subscription s, boolean ask, boolean pending, boolean appr) {
        return new RosterItem(jid, name, groups, s, ask, pending, appr, visible, pending ? pendingInStanza : null);
    }

    public RosterItem withVisible(boolean v) {
        return new RosterItem(jid, name, groups, subscription, askOut, pendingIn, approved, v, pendingInStanza);
    }

    public RosterItem withPendingInStanza(String stanza) {
        return new RosterItem(jid, name, groups, subscription, askOut, pendingIn, approved, visible, stanza);
    }
}
