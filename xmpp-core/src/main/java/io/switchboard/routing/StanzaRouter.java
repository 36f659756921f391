package io.switchboard.routing;

import io.switchboard.cluster.NodeId;
import io.switchboard.cluster.NodeMessenger;
import io.switchboard.cluster.Route;
import io.switchboard.cluster.SessionDirectory;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqHandler;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.session.ClientSession;
import io.switchboard.session.LocalSessions;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.StorageException;
import io.switchboard.store.UserStore;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where every stanza goes: the server itself, a local account (RFC 6121 §8.5 through
 * {@link RoutingPolicy}), a component domain, or a remote domain. Runs on the sending session's
 * worker, so one sender's stanzas are routed in order.
 *
 * @implNote thread-safe. Wired in two steps: construct, then {@link #setPresence} and
 *           {@link #setOffline} (the presence and offline services themselves route through this
 *           router).
 */
public final class StanzaRouter {

    private static final Logger LOG = LoggerFactory.getLogger(StanzaRouter.class);

    private final String domain;
    private final LocalSessions sessions;
    private final SessionDirectory directory;
    private final HandlerRegistry handlers;
    private final UserStore users;
    private final IqTracker tracker;
    private final UserLocks locks;
    private final NodeMessenger messenger;
    private final Map<String, Component> components = new ConcurrentHashMap<>();
    private final List<MessageHook> hooks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<StanzaFilter> filters = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile PresenceRouting presence;
    private volatile OfflineRouting offline;
    private volatile RemoteRoute remote;

    public StanzaRouter(String domain, LocalSessions sessions, SessionDirectory directory, NodeMessenger messenger,
                        HandlerRegistry handlers, UserStore users, IqTracker tracker, UserLocks locks) {
        this.domain = domain;
        this.sessions = sessions;
        this.directory = directory;
        this.messenger = messenger;
        this.handlers = handlers;
        this.users = users;
        this.tracker = tracker;
        this.locks = locks;
        messenger.onReceive(this::fromNode);
    }

    /** A stanza another node routed to a session or a component of this node. */
    private void fromNode(NodeId from, byte[] serialized) {
        Stanza s;
        try {
            s = Stanza.of(XmlFragments.parse(new String(serialized, StandardCharsets.UTF_8)));
        } catch (StanzaException | IllegalArgumentException e) {
            LOG.warn("Dropping an unreadable stanza from node {}: {}", from, e.getMessage());
            return;
        }
        Component component = s.to() == null ? null : components.get(s.to().domain());
        if (component != null) {
            component.fromNode(from, s);
            return;
        }
        if (s.to() == null || !s.to().isFull() || !deliverTo(s.to(), s)) {
            // The session left meanwhile: treat it as arriving here (offline storage, errors).
            if (s.to() != null && s.to().hasLocal() && s instanceof Message m) {
                deliverMessage(m.withTo(m.to().bare()));
            }
        }
    }

    public void setPresence(PresenceRouting presence) {
        this.presence = presence;
    }

    public void setOffline(OfflineRouting offline) {
        this.offline = offline;
    }

    /** Adds a message step; hooks run in the order they were added. */
    public void addHook(MessageHook hook) {
        hooks.add(hook);
    }

    public void addFilter(StanzaFilter filter) {
        filters.add(filter);
    }

    public void setRemote(RemoteRoute remote) {
        this.remote = remote;
    }

    public void addComponent(Component c) {
        if (components.putIfAbsent(c.domain(), c) != null) {
            throw new IllegalStateException("two components for " + c.domain());
        }
    }

    public String domain() {
        return domain;
    }

    public boolean isLocalDomain(String d) {
        return domain.equals(d);
    }

    /** True for the domain of a service this server hosts (group chat, upload, an external component). */
    public boolean isComponentDomain(String d) {
        return components.containsKey(d);
    }

    public HandlerRegistry handlers() {
        return handlers;
    }

    public IqTracker tracker() {
        return tracker;
    }

    /**
     * A stanza from a local client, {@code from} already stamped with the session's full JID
     * (RFC 6120 §8.1.2.1).
     */
    public void fromClient(ClientSession session, Stanza stanza) {
        if (stanza instanceof Message m && !hooks.isEmpty()) {
            if (m.to() == null) {
                m = m.withTo(session.jid().bare());
            }
            for (MessageHook h : hooks) {
                m = h.outgoing(session, m);
                if (m == null) {
                    return;
                }
            }
            stanza = m;
        }
        if (stanza instanceof Presence p) {
            presence.fromClient(session, p);
        } else if (stanza.to() == null) {
            // RFC 6120 §10.3: no 'to' means the sender's own account.
            if (stanza instanceof Iq iq) {
                if (iq.type().isRequest()) {
                    handleIq(iq, session, session.jid().bare());
                }
            } else {
                route(stanza.withTo(session.jid().bare()), session);
            }
        } else {
            route(stanza, session);
        }
    }

    /** Routes a stanza whose {@code from} is trustworthy. */
    public void route(Stanza stanza) {
        route(stanza, null);
    }

    /**
     * Routes a server-generated stanza past the filters (the unavailable presence a user's new block
     * sends to the blocked contact, which the block itself would otherwise stop).
     */
    public void routeUnfiltered(Stanza stanza) {
        route(stanza, null, false);
    }

    private void route(Stanza stanza, ClientSession origin) {
        route(stanza, origin, true);
    }

    private void route(Stanza stanza, ClientSession origin, boolean filtered) {
        Jid to = stanza.to();
        if (to == null) {
            LOG.debug("Dropping a stanza without 'to': {}", stanza);
            return;
        }
        if (filtered && !filters.isEmpty() && !passes(stanza, to)) {
            return;
        }
        if (isLocalDomain(to.domain())) {
            if (to.hasLocal()) {
                toLocalAccount(stanza, origin);
            } else {
                toServer(stanza, origin);
            }
            return;
        }
        Component c = components.get(to.domain());
        if (c != null) {
            c.receive(stanza);
            return;
        }
        RemoteRoute r = remote;
        if (r != null) {
            r.send(stanza);
        } else {
            bounce(stanza, StanzaError.remoteServerNotFound("this server does not federate with " + to.domain()));
        }
    }

    /** Applies the filters to a stanza between a local account and someone else. */
    private boolean passes(Stanza stanza, Jid to) {
        Jid from = stanza.from();
        boolean fromLocal = from != null && from.hasLocal() && isLocalDomain(from.domain());
        boolean toLocal = to.hasLocal() && isLocalDomain(to.domain());
        if (fromLocal && toLocal && from.sameBare(to)) {
            return true;
        }
        for (StanzaFilter f : filters) {
            StanzaFilter.Verdict v = fromLocal ? f.outbound(stanza) : StanzaFilter.ALLOW;
            if (v instanceof StanzaFilter.Allow && toLocal) {
                v = f.inbound(stanza);
            }
            if (v instanceof StanzaFilter.Drop) {
                return false;
            }
            if (v instanceof StanzaFilter.Reject r) {
                // The error goes back past the filters (it comes from the blocker to the blocked).
                if (!stanza.isError() && stanza.from() != null
                        && !(stanza instanceof Iq iq && !iq.type().isRequest())) {
                    route(stanza.errorReply(r.error()), null, false);
                }
                return false;
            }
        }
        return true;
    }

    private void toServer(Stanza stanza, ClientSession origin) {
        Jid to = stanza.to();
        if (stanza instanceof Iq iq) {
            if (iq.type().isRequest()) {
                if (to.hasResource()) {
                    bounce(iq, StanzaError.serviceUnavailable(null));
                } else {
                    handleIq(iq, origin, to);
                }
            } else {
                tracker.complete(iq);
            }
        } else if (stanza instanceof Message m) {
            if (m.hasBody() && m.type() != Message.Type.HEADLINE) {
                bounce(m, StanzaError.serviceUnavailable("the server does not take messages"));
            }
        }
        // Presence to the server itself: nothing to do.
    }

    private void toLocalAccount(Stanza stanza, ClientSession origin) {
        if (stanza instanceof Message m) {
            deliverMessage(m);
        } else if (stanza instanceof Presence p) {
            presence.toLocalAccount(p);
        } else if (stanza instanceof Iq iq) {
            Jid to = iq.to();
            if (to.isFull()) {
                if (!deliverTo(to, iq) && iq.type().isRequest()) {
                    // §8.5.3.2.1: no such resource.
                    bounce(iq, StanzaError.serviceUnavailable(null));
                }
            } else if (iq.type().isRequest()) {
                Jid bare = to.bare();
                boolean own = iq.from() != null && iq.from().sameBare(bare);
                if (!own && !accountExists(bare)) {
                    bounce(iq, StanzaError.serviceUnavailable(null));
                } else {
                    handleIq(iq, origin, bare);
                }
            } else {
                // Answers to requests the server sent on an account's behalf (push, PEP).
                tracker.complete(iq);
            }
        }
    }

    /** Delivers a message to a local account, or stores it, or bounces it (RFC 6121 §8.5). */
    public void deliverMessage(Message original) {
        deliverMessage(original, true);
    }

    /**
     * Delivers again a message that already went through the incoming steps once (stanzas a
     * stream-managed client never acknowledged): no second archiving, same stanza-id.
     */
    public void redeliverMessage(Message m) {
        deliverMessage(m, false);
    }

    private void deliverMessage(Message original, boolean runHooks) {
        Jid bare = original.to().bare();
        List<Route> routes = directory.routes(bare);
        boolean exists = !routes.isEmpty() || accountExists(bare);
        MessageDecision d = RoutingPolicy.message(original.type(), original.to(), routes, exists);
        if (d instanceof MessageDecision.Bounce b) {
            bounce(original, b.error());
            return;
        }
        if (d instanceof MessageDecision.Drop) {
            return;
        }
        Message m = original;
        if (runHooks) {
            for (MessageHook h : hooks) {
                m = h.incoming(bare, m);
                if (m == null) {
                    return;
                }
            }
        }
        if (d instanceof MessageDecision.Deliver deliver) {
            List<Jid> done = new java.util.ArrayList<>(deliver.resources().size());
            for (Jid full : deliver.resources()) {
                if (deliverTo(full, m)) {
                    done.add(full);
                }
            }
            if (done.isEmpty()) {
                // Every target closed between the lookup and the write.
                fallBack(m, bare);
            } else {
                delivered(bare, m, done, false);
            }
        } else {
            fallBack(m, bare);
        }
    }

    private void delivered(Jid bare, Message m, List<Jid> resources, boolean stored) {
        for (MessageHook h : hooks) {
            try {
                h.delivered(bare, m, resources, stored);
            } catch (RuntimeException e) {
                LOG.warn("A message step failed after delivery to {}", bare, e);
            }
        }
    }

    /** Under the account's lock: deliver if a resource became available meanwhile, else store. */
    private void fallBack(Message m, Jid bare) {
        locks.run(bare, () -> {
            Jid target = m.to().isFull() ? bare : m.to();
            MessageDecision again = RoutingPolicy.message(m.type(), target, directory.routes(bare), true);
            if (again instanceof MessageDecision.Deliver deliver) {
                List<Jid> done = new java.util.ArrayList<>();
                for (Jid full : deliver.resources()) {
                    if (deliverTo(full, m)) {
                        done.add(full);
                    }
                }
                if (!done.isEmpty()) {
                    delivered(bare, m, done, false);
                    return;
                }
            }
            if (m.type() == Message.Type.NORMAL || m.type() == Message.Type.CHAT) {
                offline.store(m);
                delivered(bare, m, List.of(), true);
            }
        });
    }

    /**
     * Queues a stanza to one connected resource.
     *
     * @return false when that resource is not connected (any more)
     */
    public boolean deliverTo(Jid full, Stanza s) {
        ClientSession cs = sessions.get(full);
        if (cs != null) {
            return cs.deliver(s);
        }
        // Connected to another node of the cluster?
        for (Route r : directory.routes(full.bare())) {
            if (r.full().equals(full) && !r.node().equals(sessions.node())) {
                Stanza addressed = s.to() != null && s.to().equals(full) ? s : s.withTo(full);
                messenger.send(r.node(), XmlWriter.toXml(addressed.element()).getBytes(StandardCharsets.UTF_8));
                return true;
            }
        }
        return false;
    }

    private boolean accountExists(Jid bare) {
        if (sessions.isOnline(bare)) {
            return true;
        }
        try {
            return users.exists(bare);
        } catch (StorageException e) {
            LOG.warn("Cannot check whether {} exists: {}", bare, e.getMessage());
            return false;
        }
    }

    private void handleIq(Iq iq, ClientSession origin, Jid target) {
        XmlElement payload = iq.payload();
        IqKey key = new IqKey(payload.name(), iq.type());
        IqHandler h = target.hasLocal() ? handlers.account(key) : handlers.server(key);
        if (h == null) {
            bounce(iq, StanzaError.serviceUnavailable(null));
            return;
        }
        try {
            Iq reply = h.handle(new IqRequest(iq, origin, target));
            if (reply != null) {
                reply(origin, reply);
            }
        } catch (StanzaException e) {
            bounce(iq, e.error());
        } catch (StorageException e) {
            LOG.error("Storage failed while answering {} from {}: {}", key.payload(), iq.from(), e.getMessage());
            bounce(iq, StanzaError.internalServerError(null));
        } catch (RuntimeException e) {
            LOG.error("Failed to answer {} from {}", key.payload(), iq.from(), e);
            bounce(iq, StanzaError.internalServerError(null));
        }
    }

    /** Sends a reply, straight to the requesting session when it is local. */
    public void reply(ClientSession origin, Stanza reply) {
        if (origin != null && origin.jid().equals(reply.to())) {
            origin.deliver(reply);
        } else {
            route(reply);
        }
    }

    /** Returns an error to the sender, unless the stanza is itself an error (RFC 6120 §8.3.1). */
    public void bounce(Stanza s, StanzaError error) {
        if (s.isError() || s.from() == null) {
            return;
        }
        if (s instanceof Iq iq && !iq.type().isRequest()) {
            return;
        }
        route(s.errorReply(error));
    }
}
