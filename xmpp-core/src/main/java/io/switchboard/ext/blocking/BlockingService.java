package io.switchboard.ext.blocking;

import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.routing.IqTracker;
import io.switchboard.routing.StanzaFilter;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.session.ClientSession;
import io.switchboard.session.LocalSessions;
import io.switchboard.session.OnlineAccountCache;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.BlockListStore;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Blocking (XEP-0191): a blocked entity's messages, presence and IQs never reach the user, the
 * user's stanzas never reach it, and every change to the block list is pushed to all of the user's
 * devices that asked for it.
 *
 * @implNote thread-safe. Block lists of accounts with sessions here are cached; others are read
 *           from storage when a stanza needs them.
 */
public final class BlockingService implements StanzaFilter {

    public static final String NS = "urn:xmpp:blocking";
    public static final String ERRORS = "urn:xmpp:blocking:errors";
    private static final Object REQUESTED = new Object();

    private final BlockListStore store;
    private final LocalSessions sessions;
    private final IqTracker tracker;
    private final int max;
    /** Lists of accounts with sessions here; a read that races a change is not kept. */
    private final OnlineAccountCache<Set<Jid>> cache;
    private volatile StanzaRouter router;

    public BlockingService(BlockListStore store, LocalSessions sessions, IqTracker tracker, int max) {
        this.store = store;
        this.sessions = sessions;
        this.tracker = tracker;
        this.max = max;
        this.cache = new OnlineAccountCache<>(o -> Set.copyOf(store.load(o)), sessions::isOnline);
    }

    public void setRouter(StanzaRouter router) {
        this.router = router;
    }

    public void register(HandlerRegistry.Builder b) {
        b.account(IqKey.get(NS, "blocklist"), this::get);
        b.account(IqKey.set(NS, "block"), this::block);
        b.account(IqKey.set(NS, "unblock"), this::unblock);
        b.serverFeature(NS);
        b.accountFeature(NS);
    }

    private Set<Jid> list(Jid owner) {
        return cache.get(owner);
    }

    /** Loads (and, the account being online, caches) the account's list. */
    public void load(Jid owner) {
        cache.get(owner);
    }

    /** Forgets the cached list of an account that has no session left here. */
    public void evictIfOffline(Jid owner) {
        cache.offline(owner);
    }

    /** XEP-0191 §3.4.1: a blocked item matches a full JID, a bare JID (any resource), or a domain. */
    public boolean blocks(Jid owner, Jid other) {
        if (other == null) {
            return false;
        }
        Set<Jid> l = list(owner);
        if (l.isEmpty()) {
            return false;
        }
        return l.contains(other) || l.contains(other.bare()) || l.contains(other.domainJid())
                || (other.hasResource() && l.contains(Jid.of(null, other.domain(), other.resource())));
    }

    // ---------------------------------------------------------------- filter

    @Override
    public Verdict outbound(Stanza s) {
        Jid owner = s.from().bare();
        if (!blocks(owner, s.to())) {
            return ALLOW;
        }
        if (s instanceof Presence || s.isError()) {
            return DROP;
        }
        if (s instanceof Iq iq && !iq.type().isRequest()) {
            return DROP;
        }
        // XEP-0191 §3.5: telling the user why.
        return new Reject(StanzaError.notAcceptable("you have blocked this contact")
                .withAppCondition(XmlElement.empty(ERRORS, "blocked")));
    }

    @Override
    public Verdict inbound(Stanza s) {
        Jid owner = s.to().bare();
        if (!blocks(owner, s.from())) {
            return ALLOW;
        }
        if (s instanceof Presence || s.isError()) {
            return DROP;
        }
        if (s instanceof Iq iq && !iq.type().isRequest()) {
            return DROP;
        }
        if (s instanceof Message || s instanceof Iq) {
            // §3.4.2: the same answer as for a user that does not exist.
            return new Reject(StanzaError.serviceUnavailable(null));
        }
        return DROP;
    }

    // ---------------------------------------------------------------- IQs

    private Iq get(IqRequest req) throws StanzaException {
        ownerOnly(req);
        if (req.session() != null) {
            req.session().attributes().put(REQUESTED, Boolean.TRUE);
        }
        XmlElement.Builder l = XmlElement.builder(NS, "blocklist");
        for (Jid j : store.load(req.target())) {
            l.child(item(j));
        }
        return req.iq().result(l.build());
    }

    private Iq block(IqRequest req) throws StanzaException {
        ownerOnly(req);
        Jid owner = req.target();
        List<Jid> jids = items(req.iq().payload());
        if (jids.isEmpty()) {
            throw new StanzaException(StanzaError.badRequest("no item to block"));
        }
        if (!store.add(owner, jids, max)) {
            throw new StanzaException(StanzaError.resourceConstraint("the block list is full (" + max + " entries)"));
        }
        refresh(owner);
        // §3.3.2: the newly blocked stop seeing the user's presence at once.
        for (ClientSession s : sessions.of(owner)) {
            if (s.isAvailable()) {
                for (Jid j : jids) {
                    if (j.hasLocal() && router != null) {
                        router.routeUnfiltered(Presence.build(Presence.Type.UNAVAILABLE, s.jid(), j));
                    }
                }
            }
        }
        push(owner, XmlElement.builder(NS, "block").children(jids.stream().map(BlockingService::item).toList()).build());
        return req.iq().result();
    }

    private Iq unblock(IqRequest req) throws StanzaException {
        ownerOnly(req);
        Jid owner = req.target();
        List<Jid> jids = items(req.iq().payload());
        if (jids.isEmpty()) {
            store.clear(owner);
        } else {
            store.remove(owner, jids);
        }
        refresh(owner);
        push(owner, XmlElement.builder(NS, "unblock").children(jids.stream().map(BlockingService::item).toList()).build());
        return req.iq().result();
    }

    /**
     * The list changed in the store: it is read again now, on the worker that changed it, so that
     * the next message does not wait for storage (a read racing the change is not kept).
     */
    private void refresh(Jid owner) {
        cache.invalidate(owner);
        cache.get(owner);
    }

    /** §3.3.3 and §3.4.3: the change goes to every resource that asked for the block list. */
    private void push(Jid owner, XmlElement change) {
        for (ClientSession s : sessions.of(owner)) {
            if (s.attributes().containsKey(REQUESTED)) {
                s.deliver(Iq.request(Iq.Type.SET, tracker.newId("block-"), null, s.jid(), change));
            }
        }
    }

    private static void ownerOnly(IqRequest req) throws StanzaException {
        if (!req.fromOwner()) {
            throw new StanzaException(StanzaError.forbidden(null));
        }
    }

    private static List<Jid> items(XmlElement e) throws StanzaException {
        Set<Jid> out = new LinkedHashSet<>();
        for (XmlElement i : e.elements(NS, "item")) {
            String j = i.attr("jid");
            if (j == null) {
                throw new StanzaException(StanzaError.badRequest("item without jid"));
            }
            try {
                out.add(Jid.of(j));
            } catch (MalformedJidException ex) {
                throw new StanzaException(StanzaError.jidMalformed("invalid jid " + j));
            }
        }
        return new ArrayList<>(out);
    }

    private static XmlElement item(Jid j) {
        return XmlElement.builder(NS, "item").attr("jid", j.toString()).build();
    }
}
