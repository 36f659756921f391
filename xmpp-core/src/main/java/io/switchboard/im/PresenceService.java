package io.switchboard.im;

import io.switchboard.jid.Jid;
import io.switchboard.routing.PresenceRouting;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.routing.UserLocks;
import io.switchboard.session.ClientSession;
import io.switchboard.session.LocalSessions;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.StanzaError;
import io.switchboard.store.LastActivityStore;
import io.switchboard.store.RosterItem;
import io.switchboard.store.StorageException;
import io.switchboard.store.UserStore;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlWriter;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence and subscriptions (RFC 6121 §3 and §4): initial, broadcast, directed and unavailable
 * presence, probes, and the subscription state machine of {@link SubscriptionRules} applied to both
 * parties' rosters.
 *
 * @implNote thread-safe; runs on the worker of whoever sent the stanza.
 */
public final class PresenceService implements PresenceRouting {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceService.class);

    private final StanzaRouter router;
    private final LocalSessions sessions;
    private final RosterService rosters;
    private final OfflineService offline;
    private final LastActivityStore last;
    private final UserStore users;
    private final UserLocks locks;
    private final int maxPending;
    private final Clock clock;
    private final java.util.List<PresenceListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Things that happen to presence which features follow (PEP notifications, avatars, push). */
    public interface PresenceListener {
        /** A local session sent available presence ({@code initial} the first time). */
        default void available(ClientSession s, Presence p, boolean initial) {
        }

        /** {@code contact} (anywhere) may now see {@code user}'s presence: it got a 'from' subscription. */
        default void subscriptionApproved(Jid user, Jid contact) {
        }

        /**
         * Rewrites a local session's available broadcast presence before it is stored and sent (the
         * avatar hash of XEP-0398); returns {@code p} itself when nothing changes.
         */
        default Presence outgoing(ClientSession s, Presence p) {
            return p;
        }
    }

    public void addListener(PresenceListener l) {
        listeners.add(l);
    }

    public PresenceService(StanzaRouter router, LocalSessions sessions, RosterService rosters, OfflineService offline,
                           LastActivityStore last, UserStore users, UserLocks locks, int maxPending, Clock clock) {
        this.router = router;
        this.sessions = sessions;
        this.rosters = rosters;
        this.offline = offline;
        this.last = last;
        this.users = users;
        this.locks = locks;
        this.maxPending = maxPending;
        this.clock = clock;
    }

    // ---------------------------------------------------------------- from local clients

    @Override
    public void fromClient(ClientSession s, Presence p) {
        Jid to = p.to();
        switch (p.type()) {
            case AVAILABLE, UNAVAILABLE -> {
                if (to == null || to.equals(s.jid().bare())) {
                    broadcast(s, p.withTo(null));
                } else {
                    directed(s, p);
                }
            }
            case SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED -> {
                if (to == null) {
                    router.bounce(p, StanzaError.badRequest("a subscription request needs a 'to' address"));
                    return;
                }
                // RFC 6121 §3.1.2: subscription stanzas are stamped with the bare JID.
                outboundSubscription(s.jid().bare(), p.withFrom(s.jid().bare()).withTo(to.bare()));
            }
            case PROBE -> {
                if (to != null) {
                    router.route(p.withFrom(s.jid().bare()));
                }
            }
            case ERROR -> {
                if (to != null) {
                    router.route(p);
                }
            }
            default -> router.bounce(p, StanzaError.badRequest("unknown presence type"));
        }
    }

    /** Broadcast presence (RFC 6121 §4.2, §4.4, §4.5). */
    private void broadcast(ClientSession s, Presence original) {
        Jid user = s.jid().bare();
        if (original.type() == Presence.Type.UNAVAILABLE) {
            goUnavailable(s, original);
            return;
        }
        Presence rewritten = original;
        for (PresenceListener l : listeners) {
            try {
                rewritten = l.outgoing(s, rewritten);
            } catch (RuntimeException e) {
                LOG.warn("A presence listener failed to rewrite presence of {}", s.jid(), e);
            }
        }
        Presence p = rewritten;
        boolean initial = !s.isAvailable();
        if (initial) {
            // Deliver stored messages, then become a target for new ones, atomically (no overtaking).
            locks.run(user, () -> {
                if (p.priority() >= 0) {
                    try {
                        offline.flush(s);
                    } catch (StorageException e) {
                        LOG.error("Cannot read offline messages of {}: {}", user, e.getMessage());
                    }
                }
                s.setPresence(p);
                sessions.updateRoute(s);
            });
        } else {
            s.setPresence(p);
            sessions.updateRoute(s);
        }
        List<RosterItem> items = rosters.visibleItems(user);
        for (RosterItem i : items) {
            if (i.subscription().hasFrom()) {
                router.route(p.withTo(i.jid()));
            }
        }
        for (ClientSession own : sessions.of(user)) {
            if (own.isAvailable()) {
                own.deliver(p.withTo(own.jid()));
            }
        }
        for (PresenceListener l : listeners) {
            try {
                l.available(s, p, initial);
            } catch (RuntimeException e) {
                LOG.warn("A presence listener failed for {}", s.jid(), e);
            }
        }
        if (!initial) {
            return;
        }
        // §4.3: probe the contacts we are subscribed to.
        for (RosterItem i : items) {
            if (i.subscription().hasTo()) {
                router.route(Presence.build(Presence.Type.PROBE, s.jid(), i.jid()));
            }
        }
        // The user's other available resources.
        for (ClientSession own : sessions.of(user)) {
            if (own != s && own.isAvailable()) {
                s.deliver(own.presence().withFrom(own.jid()).withTo(s.jid()));
            }
        }
        // §3.4: pending subscription requests are delivered again at login.
        for (RosterItem i : rosters.snapshot(user).items()) {
            if (i.pendingIn()) {
                s.deliver(pendingRequest(i, s.jid()));
            }
        }
    }

    private Presence pendingRequest(RosterItem i, Jid to) {
        if (i.pendingInStanza() != null) {
            try {
                return Presence.of(XmlFragments.parse(i.pendingInStanza())).withFrom(i.jid()).withTo(to);
            } catch (Exception e) {
                LOG.debug("Stored subscription request of {} unreadable: {}", i.jid(), e.toString());
            }
        }
        return Presence.build(Presence.Type.SUBSCRIBE, i.jid(), to);
    }

    private void goUnavailable(ClientSession s, Presence p) {
        Jid user = s.jid().bare();
        boolean wasAvailable = s.isAvailable();
        s.setPresence(null);
        sessions.updateRoute(s);
        if (wasAvailable) {
            for (RosterItem i : rosters.visibleItems(user)) {
                if (i.subscription().hasFrom()) {
                    router.route(p.withTo(i.jid()));
                }
            }
            for (ClientSession own : sessions.of(user)) {
                if (own.isAvailable() || own == s) {
                    own.deliver(p.withTo(own.jid()));
                }
            }
        }
        // §4.6.3: everyone who got directed presence learns we are gone.
        List<Jid> directed;
        synchronized (s.directedPresence()) {
            directed = List.copyOf(s.directedPresence());
            s.directedPresence().clear();
        }
        for (Jid j : directed) {
            router.route(p.withTo(j));
        }
    }

    /** Directed presence (RFC 6121 §4.6). */
    private void directed(ClientSession s, Presence p) {
        Jid to = p.to();
        router.route(p);
        RosterItem i = to.hasLocal() || !to.hasResource() ? rosters.item(s.jid().bare(), to.bare()) : null;
        boolean subscribed = i != null && i.subscription().hasFrom();
        synchronized (s.directedPresence()) {
            if (p.type() == Presence.Type.UNAVAILABLE) {
                s.directedPresence().remove(to);
            } else if (s.isAvailable() && !subscribed) {
                s.directedPresence().add(to);
            }
        }
    }

    /** The session is gone (any reason): unavailable presence on its behalf, last activity. */
    public void sessionClosed(ClientSession s, String status) {
        Jid user = s.jid().bare();
        Presence.Type t = Presence.Type.UNAVAILABLE;
        Presence p = Presence.build(t, s.jid(), null);
        if (status != null) {
            p = p.withElement(p.element().toBuilder().textChild(io.switchboard.xml.Ns.CLIENT, "status", status).build());
        }
        if (s.isAvailable() || !s.directedPresence().isEmpty()) {
            goUnavailable(s, p);
        }
        if (!sessions.isOnline(user)) {
            try {
                last.set(user, clock.instant(), status);
            } catch (StorageException e) {
                LOG.warn("Cannot record the last activity of {}: {}", user, e.getMessage());
            }
            rosters.evictIfOffline(user);
        }
    }

    // ---------------------------------------------------------------- to local accounts

    @Override
    public void toLocalAccount(Presence p) {
        Jid to = p.to();
        switch (p.type()) {
            case AVAILABLE, UNAVAILABLE, ERROR -> {
                if (to.isFull()) {
                    router.deliverTo(to, p);
                } else {
                    for (ClientSession s : sessions.of(to.bare())) {
                        if (s.isAvailable()) {
                            s.deliver(p);
                        }
                    }
                }
            }
            case PROBE -> probe(p);
            case SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED -> {
                if (p.from() != null) {
                    inboundSubscription(p.withTo(to.bare()).withFrom(p.from().bare()));
                }
            }
            default -> LOG.debug("Dropping presence of unknown type to {}", to);
        }
    }

    /** A probe (RFC 6121 §4.3.2): presence is revealed only to contacts with a subscription. */
    private void probe(Presence p) {
        Jid user = p.to().bare();
        Jid prober = p.from();
        if (prober == null) {
            return;
        }
        if (!prober.sameBare(user)) {
            RosterItem i = rosters.item(user, prober.bare());
            if (i == null || !i.subscription().hasFrom()) {
                if (accountExists(user)) {
                    router.route(Presence.build(Presence.Type.UNSUBSCRIBED, user, prober.bare()));
                }
                return;
            }
        }
        boolean any = false;
        for (ClientSession s : sessions.of(user)) {
            if (s.isAvailable()) {
                any = true;
                router.route(s.presence().withFrom(s.jid()).withTo(prober));
            }
        }
        if (!any) {
            router.route(Presence.build(Presence.Type.UNAVAILABLE, user, prober));
        }
    }

    private boolean accountExists(Jid user) {
        return sessions.isOnline(user) || users.exists(user);
    }

    // ---------------------------------------------------------------- subscriptions

    /** A subscription stanza from a local user to a contact (RFC 6121 §3, Appendix A.2). */
    void outboundSubscription(Jid user, Presence p) {
        Jid contact = p.to();
        if (contact.equals(user)) {
            return;
        }
        Presence.Type type = p.type();
        SubscriptionRules.Outcome[] outcome = new SubscriptionRules.Outcome[1];
        RosterService.Change change = rosters.update(user, contact, item -> {
            SubscriptionRules.Outcome o = SubscriptionRules.outbound(SubscriptionState.of(item), type);
            outcome[0] = o;
            if (item == null) {
                boolean creates = type == Presence.Type.SUBSCRIBE || (type == Presence.Type.SUBSCRIBED && o.state().approved());
                return creates ? o.state().applyTo(RosterItem.of(contact)) : null;
            }
            RosterItem next = o.state().applyTo(item);
            if (!item.visible()) {
                if (type == Presence.Type.SUBSCRIBE || type == Presence.Type.SUBSCRIBED) {
                    next = next.withVisible(true);
                } else if (isEmpty(next)) {
                    return null;
                }
            }
            return next;
        });
        SubscriptionRules.Outcome o = outcome[0];
        if (o.forward()) {
            router.route(p);
        }
        if (type == Presence.Type.SUBSCRIBED && o.forward()) {
            // §3.1.5: the contact now gets our presence.
            sendCurrentPresence(user, contact);
            approved(user, contact);
        } else if (type == Presence.Type.UNSUBSCRIBED && o.forward()
                && change.before() != null && change.before().subscription().hasFrom()) {
            // §3.2.2: the contact no longer gets our presence.
            for (ClientSession s : sessions.of(user)) {
                if (s.isAvailable()) {
                    router.route(Presence.build(Presence.Type.UNAVAILABLE, s.jid(), contact));
                }
            }
        }
    }

    private static boolean isEmpty(RosterItem i) {
        return i.subscription() == io.switchboard.store.Subscription.NONE && !i.askOut() && !i.pendingIn() && !i.approved();
    }

    private void sendCurrentPresence(Jid user, Jid contact) {
        for (ClientSession s : sessions.of(user)) {
            if (s.isAvailable()) {
                router.route(s.presence().withFrom(s.jid()).withTo(contact));
            }
        }
    }

    /** A subscription stanza from a contact to a local user (RFC 6121 Appendix A.3). */
    private void inboundSubscription(Presence p) {
        Jid user = p.to();
        Jid contact = p.from();
        if (!accountExists(user)) {
            return;
        }
        Presence.Type type = p.type();
        SubscriptionRules.Outcome[] outcome = new SubscriptionRules.Outcome[1];
        boolean[] dropped = new boolean[1];
        rosters.update(user, contact, item -> {
            SubscriptionRules.Outcome o = SubscriptionRules.inbound(SubscriptionState.of(item), type);
            outcome[0] = o;
            if (item == null) {
                if (type != Presence.Type.SUBSCRIBE || !o.state().pendingIn()) {
                    return null;
                }
                if (pendingCount(user) >= maxPending) {
                    dropped[0] = true;
                    return null;
                }
                return o.state().applyTo(RosterItem.of(contact).withVisible(false))
                        .withPendingInStanza(XmlWriter.toXml(p.withTo(null).withFrom(null).element()));
            }
            RosterItem next = o.state().applyTo(item);
            if (type == Presence.Type.SUBSCRIBE && next.pendingIn()) {
                next = next.withPendingInStanza(XmlWriter.toXml(p.withTo(null).withFrom(null).element()));
            }
            if (!next.visible() && isEmpty(next)) {
                return null;
            }
            return next;
        });
        if (dropped[0]) {
            LOG.info("Dropping a subscription request from {} to {}: {} requests already pending", contact, user, maxPending);
            return;
        }
        SubscriptionRules.Outcome o = outcome[0];
        if (o.autoReplySubscribed()) {
            router.route(Presence.build(Presence.Type.SUBSCRIBED, user, contact));
            sendCurrentPresence(user, contact);
            approved(user, contact);
        }
        if (o.forward()) {
            for (ClientSession s : sessions.of(user)) {
                if (s.isAvailable()) {
                    s.deliver(p);
                }
            }
        }
    }

    private void approved(Jid user, Jid contact) {
        for (PresenceListener l : listeners) {
            try {
                l.subscriptionApproved(user, contact);
            } catch (RuntimeException e) {
                LOG.warn("A presence listener failed for {} -> {}", user, contact, e);
            }
        }
    }

    private int pendingCount(Jid user) {
        int n = 0;
        for (RosterItem i : rosters.snapshot(user).items()) {
            if (!i.visible() && i.pendingIn()) {
                n++;
            }
        }
        return n;
    }

    /** Sends unsubscribe/unsubscribed as needed when the user removes a contact (RFC 6121 §2.5.2). */
    public void contactRemoved(Jid user, RosterItem removed) {
        if (removed.subscription().hasTo() || removed.askOut()) {
            router.route(Presence.build(Presence.Type.UNSUBSCRIBE, user, removed.jid()));
        }
        if (removed.subscription().hasFrom() || removed.pendingIn()) {
            router.route(Presence.build(Presence.Type.UNSUBSCRIBED, user, removed.jid()));
            if (removed.subscription().hasFrom()) {
                for (ClientSession s : sessions.of(user)) {
                    if (s.isAvailable()) {
                        router.route(Presence.build(Presence.Type.UNAVAILABLE, s.jid(), removed.jid()));
                    }
                }
            }
        }
    }
}
