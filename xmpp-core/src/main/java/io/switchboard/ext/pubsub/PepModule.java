package io.switchboard.ext.pubsub;

import io.switchboard.config.DataSize;
import io.switchboard.config.Setting;
import io.switchboard.handler.DiscoHandler;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.im.PresenceService;
import io.switchboard.jid.Jid;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubNode.AccessModel;
import io.switchboard.store.PubSubNode.SendLast;
import io.switchboard.store.PubSubStore;
import io.switchboard.store.RosterItem;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Personal eventing (XEP-0163) on every account: the account's bare JID is a pubsub service with
 * the XEP-0060 subset PEP clients use. Nodes are created by the first publish (with XEP-0223
 * publish-options as preconditions), subscriptions are implicit: contacts with a presence
 * subscription whose resources announce {@code node+notify} in their entity capabilities
 * (XEP-0115) are notified, and get the last item when they become available. The avatar (XEP-0398)
 * and bookmarks (XEP-0402 §5) conversions are built on the same publish path.
 *
 * @implNote thread-safe; runs on the workers of the sessions that send requests and presence.
 */
public final class PepModule implements ServerModule, PresenceService.PresenceListener {

    private static final Logger LOG = LoggerFactory.getLogger(PepModule.class);

    public static final String PUBSUB = "http://jabber.org/protocol/pubsub";
    public static final String OWNER = PUBSUB + "#owner";
    public static final String EVENT = PUBSUB + "#event";
    public static final String ERRORS = PUBSUB + "#errors";
    static final String NODE_CONFIG = PUBSUB + "#node_config";
    static final String PUBLISH_OPTIONS = PUBSUB + "#publish-options";

    public static final Setting<Integer> MAX_ITEMS = Setting.integer("pep.max-items", 256, 1, 100_000,
            "Most items a PEP node keeps; what max_items=max means.");
    public static final Setting<DataSize> MAX_ITEM_SIZE = Setting.size("pep.max-item-size", new DataSize(128 * 1024),
            "Largest item payload a user may publish to a PEP node (avatars included).");
    public static final Setting<Integer> MAX_NODES = Setting.integer("pep.max-nodes", 256, 1, 100_000,
            "Most PEP nodes one account may have.");

    /** Features that work (advertised on every account, XEP-0163 §5). */
    static final List<String> FEATURES = List.of(PUBSUB, PUBSUB + "#publish", PUBSUB + "#publish-options",
            PUBSUB + "#auto-create", PUBSUB + "#auto-subscribe", PUBSUB + "#filtered-notifications",
            PUBSUB + "#presence-notifications", PUBSUB + "#access-presence", PUBSUB + "#access-open",
            PUBSUB + "#access-whitelist", PUBSUB + "#access-roster", PUBSUB + "#retrieve-items",
            PUBSUB + "#retract-items", PUBSUB + "#purge-nodes", PUBSUB + "#delete-nodes", PUBSUB + "#config-node",
            PUBSUB + "#create-nodes", PUBSUB + "#create-and-configure", PUBSUB + "#retrieve-default",
            PUBSUB + "#persistent-items", PUBSUB + "#last-published", PUBSUB + "#item-ids", PUBSUB + "#multi-items",
            PUBSUB + "#retrieve-affiliations");

    private final java.util.function.Function<io.switchboard.store.Storage, PubSubStore> storeOf;
    private volatile PubSubStore store;
    private ModuleContext ctx;
    private int maxItems;
    private long maxItemBytes;
    private int maxNodes;
    private final EntityCaps caps = new EntityCaps(10_000);
    /** Caps hashes being resolved, with the sessions waiting for them. */
    private final Map<String, Set<Jid>> resolving = new ConcurrentHashMap<>();
    private static final int MAX_RESOLVING = 10_000;
    private final Object[] stripes = new Object[256];
    private final AtomicLong messageIds = new AtomicLong();
    private Avatars avatars;
    private Bookmarks bookmarks;

    /** A node change other features follow (the conversions). */
    interface Follower {
        /** An item was published to {@code node} of {@code owner}; {@code sync} when by a conversion. */
        default void published(Jid owner, String node, PubSubItem item, boolean sync) {
        }

        /** Items were removed (retracted, purged, node deleted): ids, or null for all. */
        default void removed(Jid owner, String node, List<String> ids, boolean sync) {
        }
    }

    private final List<Follower> followers = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Session attribute keys. */
    private enum Attr { CAPS_VER, FEATURES, ANNOUNCEMENT }

    /** PEP with the server's storage ({@link io.switchboard.store.Storage#pubsub()}). */
    public PepModule() {
        this(io.switchboard.store.Storage::pubsub);
    }

    public PepModule(PubSubStore store) {
        this(s -> store);
    }

    /**
     * PEP with the store taken from the server's storage when the module registers, as in
     * {@code new PepModule(Storage::pubsub)}.
     */
    public PepModule(java.util.function.Function<io.switchboard.store.Storage, PubSubStore> storeOf) {
        this.storeOf = storeOf;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    @Override
    public String name() {
        return "pep";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(MAX_ITEMS, MAX_ITEM_SIZE, MAX_NODES);
    }

    public PubSubStore store() {
        return store;
    }

    @Override
    public void register(HandlerRegistry.Builder b, ModuleContext c) {
        this.ctx = c;
        this.store = storeOf.apply(c.storage());
        this.maxItems = c.config().get(MAX_ITEMS);
        this.maxItemBytes = c.config().get(MAX_ITEM_SIZE).bytes();
        this.maxNodes = c.config().get(MAX_NODES);
        b.account(IqKey.get(PUBSUB, "pubsub"), logged(this::pubsubGet));
        b.account(IqKey.set(PUBSUB, "pubsub"), logged(this::pubsubSet));
        b.account(IqKey.get(OWNER, "pubsub"), logged(this::ownerGet));
        b.account(IqKey.set(OWNER, "pubsub"), logged(this::ownerSet));
        b.accountIdentity(EntityCaps.pep());
        for (String f : FEATURES) {
            b.accountFeature(f);
        }
        avatars = new Avatars(this, c);
        avatars.register(b);
        followers.add(avatars);
        bookmarks = new Bookmarks(this, c);
        bookmarks.register(b);
        followers.add(bookmarks);
        c.disco().setAccountNodes(new DiscoHandler.AccountNodes() {
            @Override
            public List<XmlElement> info(IqRequest req, String node) throws StanzaException {
                return nodeInfo(req, node);
            }

            @Override
            public List<DiscoHandler.Item> items(IqRequest req) {
                return nodeItems(req);
            }
        });
    }

    @Override
    public void start(ModuleContext c) {
        c.presence().addListener(this);
        avatars.start(c);
        c.storage().onAccountChange(change -> {
            if (change.kind() == io.switchboard.store.AccountChange.Kind.DELETED) {
                try {
                    store.deleteAll(change.jid().bare());
                    if (avatars != null) {
                        avatars.forget(change.jid().bare());
                    }
                    LOG.debug("PEP nodes of deleted account {} removed", change.jid());
                } catch (RuntimeException e) {
                    LOG.warn("Cannot remove the PEP nodes of deleted account {}: {}", change.jid(), e.getMessage());
                }
            }
        });
    }

    /** Logs refused requests (the router answers them with the error). */
    private static io.switchboard.handler.IqHandler logged(io.switchboard.handler.IqHandler h) {
        return req -> {
            try {
                return h.handle(req);
            } catch (StanzaException e) {
                XmlElement op = req.iq().payload().firstElement();
                LOG.debug("PEP {} {} of {} from {} refused: {}{}", req.iq().type().wire(), op == null ? "?" : op.local(),
                        req.target(), req.from(), e.error().condition(),
                        e.error().text() == null ? "" : " (" + e.error().text() + ")");
                throw e;
            }
        };
    }

    // ---------------------------------------------------------------- configuration

    /** The number of items a node keeps. */
    int effectiveMax(PubSubNode n) {
        if (!n.persistItems()) {
            return 1;
        }
        return n.maxItems() == PubSubNode.MAX ? maxItems : Math.min(n.maxItems(), maxItems);
    }

    private Object lock(Jid owner) {
        return stripes[Math.floorMod(owner.hashCode(), stripes.length)];
    }

    static StanzaError pubsubError(StanzaError base, String specific) {
        return base.withAppCondition(XmlElement.empty(ERRORS, specific));
    }

    static StanzaException unsupported(String feature) {
        return new StanzaException(StanzaError.featureNotImplemented(null)
                .withAppCondition(XmlElement.builder(ERRORS, "unsupported").attr("feature", feature).build()));
    }

    private static String nodeAttr(XmlElement e) throws StanzaException {
        String node = e.attr("node");
        if (node == null || node.isEmpty()) {
            throw new StanzaException(pubsubError(StanzaError.badRequest("a node is required"), "nodeid-required"));
        }
        if (node.length() > 1024) {
            throw new StanzaException(StanzaError.notAcceptable("node name too long"));
        }
        return node;
    }

    // ---------------------------------------------------------------- access

    /** Whether {@code who} may see items of {@code n} (XEP-0060 §4.5). */
    boolean allowed(PubSubNode n, Jid who) {
        if (who == null) {
            return false;
        }
        if (who.sameBare(n.owner())) {
            return true;
        }
        return switch (n.accessModel()) {
            case OPEN -> true;
            case WHITELIST -> false;
            default -> allowed(n, ctx.rosters().item(n.owner(), who.bare()));
        };
    }

    /** Whether the contact of {@code item} (on the owner's roster, or null) may see items of {@code n}. */
    static boolean allowed(PubSubNode n, RosterItem item) {
        return switch (n.accessModel()) {
            case OPEN -> true;
            case PRESENCE -> item != null && item.subscription().hasFrom();
            case ROSTER -> item != null && !Collections.disjoint(item.groups(), n.rosterGroups());
            case WHITELIST -> false;
        };
    }

    private void checkAccess(PubSubNode n, Jid who) throws StanzaException {
        if (allowed(n, who)) {
            return;
        }
        throw new StanzaException(switch (n.accessModel()) {
            case PRESENCE -> pubsubError(StanzaError.notAuthorized(null), "presence-subscription-required");
            case ROSTER -> pubsubError(StanzaError.notAuthorized(null), "not-in-roster-group");
            default -> pubsubError(StanzaError.notAllowed(null), "closed-node");
        });
    }

    private PubSubNode existing(Jid owner, String node) throws StanzaException {
        return store.node(owner, node).orElseThrow(() -> new StanzaException(StanzaError.itemNotFound("no such node")));
    }

    // ---------------------------------------------------------------- pubsub get

    private Iq pubsubGet(IqRequest req) throws StanzaException {
        XmlElement op = single(req.iq().payload());
        Jid owner = req.target();
        switch (op.local()) {
            case "items" -> {
                String node = nodeAttr(op);
                PubSubNode n = existing(owner, node);
                checkAccess(n, req.from());
                List<XmlElement> asked = op.elements(PUBSUB, "item");
                List<PubSubItem> items;
                if (!asked.isEmpty()) {
                    items = new ArrayList<>();
                    for (XmlElement a : asked) {
                        String id = a.attr("id");
                        if (id == null) {
                            throw new StanzaException(pubsubError(StanzaError.badRequest("an item id is required"),
                                    "item-required"));
                        }
                        store.item(owner, node, id).ifPresent(items::add);
                    }
                } else {
                    int max = effectiveMax(n);
                    String m = op.attr("max_items");
                    if (m != null) {
                        try {
                            max = Math.min(max, Integer.parseInt(m.trim()));
                        } catch (NumberFormatException e) {
                            throw new StanzaException(StanzaError.badRequest("max_items is not a number"));
                        }
                        if (max < 0) {
                            throw new StanzaException(StanzaError.badRequest("max_items is negative"));
                        }
                    }
                    items = new ArrayList<>(store.items(owner, node, max));
                    Collections.reverse(items); // oldest first
                }
                XmlElement.Builder ib = XmlElement.builder(PUBSUB, "items").attr("node", node);
                for (PubSubItem i : items) {
                    ib.child(itemElement(PUBSUB, i));
                }
                return req.iq().result(XmlElement.builder(PUBSUB, "pubsub").child(ib.build()).build());
            }
            case "subscriptions" -> {
                // Subscriptions are implicit (presence based): there is nothing to list.
                return req.iq().result(XmlElement.builder(PUBSUB, "pubsub")
                        .child(XmlElement.empty(PUBSUB, "subscriptions")).build());
            }
            case "affiliations" -> {
                XmlElement.Builder ab = XmlElement.builder(PUBSUB, "affiliations");
                if (req.fromOwner()) {
                    for (PubSubNode n : store.nodes(owner)) {
                        if (op.attr("node") == null || op.attr("node").equals(n.node())) {
                            ab.child(XmlElement.builder(PUBSUB, "affiliation").attr("node", n.node())
                                    .attr("affiliation", "owner").build());
                        }
                    }
                }
                return req.iq().result(XmlElement.builder(PUBSUB, "pubsub").child(ab.build()).build());
            }
            case "default" -> throw unsupported("retrieve-default-sub");
            default -> throw unsupported(op.local());
        }
    }

    private static XmlElement single(XmlElement pubsub) throws StanzaException {
        List<XmlElement> ops = new ArrayList<>();
        for (XmlElement e : pubsub.elements()) {
            if (!e.is(PUBSUB, "publish-options") && !e.is(PUBSUB, "configure")) {
                ops.add(e);
            }
        }
        if (ops.size() != 1 || !(ops.get(0).ns().equals(pubsub.ns()))) {
            throw new StanzaException(StanzaError.badRequest("one pubsub operation expected"));
        }
        return ops.get(0);
    }

    static XmlElement itemElement(String ns, PubSubItem i) {
        XmlElement.Builder b = XmlElement.builder(ns, "item").attr("id", i.id());
        if (i.payload() != null) {
            try {
                b.child(XmlFragments.parse(i.payload()));
            } catch (IllegalArgumentException e) {
                LOG.warn("Stored PEP item {} unreadable: {}", i.id(), e.getMessage());
            }
        }
        return b.build();
    }

    // ---------------------------------------------------------------- pubsub set

    private Iq pubsubSet(IqRequest req) throws StanzaException {
        XmlElement payload = req.iq().payload();
        XmlElement op = single(payload);
        Jid owner = req.target();
        if (!req.fromOwner()) {
            if (op.local().equals("subscribe") || op.local().equals("unsubscribe")) {
                throw unsupported("subscribe");
            }
            throw new StanzaException(pubsubError(StanzaError.forbidden("only the owner publishes to a PEP node"),
                    "insufficient-privileges"));
        }
        switch (op.local()) {
            case "publish" -> {
                String node = nodeAttr(op);
                List<XmlElement> items = op.elements(PUBSUB, "item");
                if (items.size() != 1) {
                    throw new StanzaException(pubsubError(StanzaError.badRequest("publish exactly one item"),
                            items.isEmpty() ? "item-required" : "invalid-payload"));
                }
                XmlElement item = items.get(0);
                List<XmlElement> payloads = item.elements();
                if (payloads.size() != 1) {
                    throw new StanzaException(pubsubError(StanzaError.badRequest("an item carries one payload"),
                            payloads.isEmpty() ? "payload-required" : "invalid-payload"));
                }
                XmlElement po = payload.child(PUBSUB, "publish-options");
                XmlElement form = po == null ? null : po.child(Ns.DATA_FORMS, "x");
                String id = item.attr("id");
                if (id == null || id.isEmpty()) {
                    id = ctx.tracker().newId("");
                } else if (id.length() > 1024) {
                    throw new StanzaException(StanzaError.notAcceptable("item id too long"));
                }
                publish(owner, node, id, payloads.get(0), req.from(), form, null, false);
                return req.iq().result(XmlElement.builder(PUBSUB, "pubsub")
                        .child(XmlElement.builder(PUBSUB, "publish").attr("node", node)
                                .child(XmlElement.builder(PUBSUB, "item").attr("id", id).build()).build())
                        .build());
            }
            case "retract" -> {
                String node = nodeAttr(op);
                List<XmlElement> items = op.elements(PUBSUB, "item");
                if (items.isEmpty()) {
                    throw new StanzaException(pubsubError(StanzaError.badRequest("an item to retract is required"),
                            "item-required"));
                }
                PubSubNode n = existing(owner, node);
                List<String> ids = new ArrayList<>();
                for (XmlElement i : items) {
                    if (i.attr("id") == null) {
                        throw new StanzaException(pubsubError(StanzaError.badRequest("an item id is required"),
                                "item-required"));
                    }
                    ids.add(i.attr("id"));
                }
                String notifyAttr = op.attr("notify");
                boolean notify = notifyAttr == null ? n.notifyRetract() : notifyAttr.equals("true") || notifyAttr.equals("1");
                retract(owner, node, ids, notify, false);
                return req.iq().result();
            }
            case "create" -> {
                String node = nodeAttr(op);
                XmlElement configure = payload.child(PUBSUB, "configure");
                XmlElement form = configure == null ? null : configure.child(Ns.DATA_FORMS, "x");
                synchronized (lock(owner)) {
                    if (store.node(owner, node).isPresent()) {
                        throw new StanzaException(StanzaError.conflict("the node exists"));
                    }
                    checkNodeQuota(owner);
                    PubSubNode n = PubSubNode.defaults(owner, node, ctx.clock().instant());
                    if (form != null) {
                        n = NodeConfig.apply(n, form, maxItems);
                    }
                    store.putNode(n);
                }
                LOG.debug("PEP node {} of {} created", node, owner);
                return req.iq().result();
            }
            case "subscribe", "unsubscribe" -> throw unsupported("subscribe");
            default -> throw unsupported(op.local());
        }
    }

    private void checkNodeQuota(Jid owner) throws StanzaException {
        if (store.nodes(owner).size() >= maxNodes) {
            LOG.info("PEP: {} reached the limit of {} nodes", owner, maxNodes);
            throw new StanzaException(StanzaError.policyViolation("at most " + maxNodes + " nodes per account"));
        }
    }

    /**
     * Publishes an item, creating the node when needed, and notifies.
     *
     * @param options    publish-options form (preconditions), or null
     * @param newNode    the configuration of a node created by this publish when there are no options, or null
     * @param sync       true when a conversion publishes (followers do not convert back)
     */
    PubSubItem publish(Jid owner, String node, String id, XmlElement payload, Jid publisher, XmlElement options,
                       PubSubNode newNode, boolean sync) throws StanzaException {
        String xml = XmlWriter.toXml(payload);
        if (xml.getBytes(StandardCharsets.UTF_8).length > maxItemBytes) {
            throw new StanzaException(pubsubError(StanzaError.notAcceptable("items are limited to " + maxItemBytes
                    + " bytes"), "payload-too-big"));
        }
        PubSubItem item = new PubSubItem(id, publisher, ctx.clock().instant(), xml);
        PubSubNode n;
        List<String> trimmed;
        synchronized (lock(owner)) {
            n = store.node(owner, node).orElse(null);
            if (n == null) {
                checkNodeQuota(owner);
                n = newNode != null ? newNode : PubSubNode.defaults(owner, node, ctx.clock().instant());
                if (options != null) {
                    n = NodeConfig.precondition(n, options, maxItems, true);
                }
                // The node and its first item in one store call: a failure leaves no empty node behind.
                trimmed = store.createAndPublish(n, item, effectiveMax(n));
                LOG.debug("PEP node {} of {} created by a publish", node, owner);
            } else {
                if (options != null) {
                    NodeConfig.precondition(n, options, maxItems, false);
                }
                trimmed = store.publish(owner, node, item, effectiveMax(n));
            }
        }
        notify(n, itemsEvent(node, List.of(itemElement(EVENT, item))), null);
        tellFollowers("a publish", owner, node, f -> f.published(owner, node, item, sync));
        if (!trimmed.isEmpty()) {
            LOG.debug("PEP node {} of {}: {} old items dropped (max_items)", node, owner, trimmed.size());
        }
        return item;
    }

    /** Retracts items (unknown ids are ignored) and notifies when asked. */
    void retract(Jid owner, String node, List<String> ids, boolean notify, boolean sync) throws StanzaException {
        PubSubNode n = existing(owner, node);
        List<String> done = store.retract(owner, node, ids);
        if (done.isEmpty()) {
            if (ids.size() == 1) {
                throw new StanzaException(StanzaError.itemNotFound("no such item"));
            }
            return;
        }
        if (notify) {
            XmlElement.Builder items = XmlElement.builder(EVENT, "items").attr("node", node);
            for (String id : done) {
                items.child(XmlElement.builder(EVENT, "retract").attr("id", id).build());
            }
            notify(n, items.build(), null);
        }
        tellFollowers("a retraction", owner, node, f -> f.removed(owner, node, done, sync));
    }

    /**
     * Runs a follower step after the change is stored: a follower that fails is logged and does not
     * turn the already done request into an error for the client.
     */
    private void tellFollowers(String what, Jid owner, String node, java.util.function.Consumer<Follower> step) {
        for (Follower f : followers) {
            try {
                step.accept(f);
            } catch (RuntimeException e) {
                LOG.warn("A PEP follower failed after {} on {} of {}", what, node, owner, e);
            }
        }
    }

    private static XmlElement itemsEvent(String node, List<XmlElement> items) {
        return XmlElement.builder(EVENT, "items").attr("node", node).children(items).build();
    }

    // ---------------------------------------------------------------- owner namespace

    private Iq ownerGet(IqRequest req) throws StanzaException {
        XmlElement op = single(req.iq().payload());
        if (!req.fromOwner()) {
            throw new StanzaException(pubsubError(StanzaError.forbidden(null), "insufficient-privileges"));
        }
        switch (op.local()) {
            case "configure" -> {
                String node = nodeAttr(op);
                PubSubNode n = existing(req.target(), node);
                return req.iq().result(XmlElement.builder(OWNER, "pubsub").child(XmlElement.builder(OWNER, "configure")
                        .attr("node", node).child(NodeConfig.form(n, maxItems)).build()).build());
            }
            case "default" -> {
                PubSubNode n = PubSubNode.defaults(req.target(), "default", ctx.clock().instant());
                return req.iq().result(XmlElement.builder(OWNER, "pubsub").child(XmlElement.builder(OWNER, "default")
                        .child(NodeConfig.form(n, maxItems)).build()).build());
            }
            default -> throw unsupported(op.local());
        }
    }

    private Iq ownerSet(IqRequest req) throws StanzaException {
        XmlElement op = single(req.iq().payload());
        Jid owner = req.target();
        if (!req.fromOwner()) {
            throw new StanzaException(pubsubError(StanzaError.forbidden(null), "insufficient-privileges"));
        }
        String node = nodeAttr(op);
        switch (op.local()) {
            case "configure" -> {
                XmlElement form = op.child(Ns.DATA_FORMS, "x");
                if (form == null) {
                    throw new StanzaException(StanzaError.badRequest("a configuration form is required"));
                }
                if ("cancel".equals(form.attr("type"))) {
                    return req.iq().result();
                }
                List<String> trimmed;
                synchronized (lock(owner)) {
                    PubSubNode n = NodeConfig.apply(existing(owner, node), form, maxItems);
                    trimmed = store.configure(n, effectiveMax(n));
                }
                if (!trimmed.isEmpty()) {
                    tellFollowers("a configuration", owner, node, f -> f.removed(owner, node, trimmed, false));
                }
                LOG.debug("PEP node {} of {} configured", node, owner);
                return req.iq().result();
            }
            case "delete" -> {
                deleteNode(owner, node, false);
                return req.iq().result();
            }
            case "purge" -> {
                PubSubNode n = existing(owner, node);
                store.purge(owner, node);
                notify(n, XmlElement.builder(EVENT, "purge").attr("node", node).build(), null);
                tellFollowers("a purge", owner, node, f -> f.removed(owner, node, null, false));
                return req.iq().result();
            }
            default -> throw unsupported(op.local());
        }
    }

    void deleteNode(Jid owner, String node, boolean sync) throws StanzaException {
        PubSubNode n = existing(owner, node);
        // The recipients are computed while the node still exists.
        notify(n, XmlElement.builder(EVENT, "delete").attr("node", node).build(), null);
        store.deleteNode(owner, node);
        LOG.debug("PEP node {} of {} deleted", node, owner);
        tellFollowers("a deletion", owner, node, f -> f.removed(owner, node, null, sync));
    }

    // ---------------------------------------------------------------- disco

    private List<XmlElement> nodeInfo(IqRequest req, String node) throws StanzaException {
        PubSubNode n = existing(req.target(), node);
        checkAccess(n, req.from());
        return List.of(XmlElement.builder(Ns.DISCO_INFO, "identity").attr("category", "pubsub").attr("type", "leaf").build(),
                XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", PUBSUB).build());
    }

    /**
     * The nodes {@code req.from()} may see. The asker's item on the owner's roster is read once for
     * all nodes, and only when a node's access model needs it (for an owner without a session here,
     * each read is a store read).
     */
    private List<DiscoHandler.Item> nodeItems(IqRequest req) {
        Jid owner = req.target();
        Jid who = req.from();
        List<DiscoHandler.Item> out = new ArrayList<>();
        if (who == null) {
            return out;
        }
        boolean self = who.sameBare(owner);
        RosterItem seen = null;
        boolean rosterRead = false;
        for (PubSubNode n : store.nodes(owner)) {
            boolean rosterNeeded = n.accessModel() == AccessModel.PRESENCE || n.accessModel() == AccessModel.ROSTER;
            if (!self && rosterNeeded && !rosterRead) {
                seen = ctx.rosters().item(owner, who.bare());
                rosterRead = true;
            }
            if (self || allowed(n, seen)) {
                out.add(new DiscoHandler.Item(owner, null, n.node()));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- notifications

    /**
     * The features the session's caps announce, or null while unknown. Called for every resource a
     * notification may go to: no lock is taken (the caps cache is a concurrent map; the session's
     * announcement is parsed once per presence it sends and kept in its attributes).
     */
    private Set<String> features(ClientSession s) {
        EntityCaps.Announcement a = announcement(s);
        if (a == null) {
            return null;
        }
        Set<String> f = caps.features(a);
        if (f != null) {
            return f;
        }
        Object own = s.attributes().get(Attr.FEATURES);
        if (own instanceof Unverified u && u.ver().equals(a.key())) {
            return u.features();
        }
        return null;
    }

    /** The caps announcement of the session's current presence, or null. */
    private static EntityCaps.Announcement announcement(ClientSession s) {
        Presence p = s.presence();
        if (p == null) {
            return null;
        }
        if (s.attributes().get(Attr.ANNOUNCEMENT) instanceof Announced known && known.presence() == p) {
            return known.announcement();
        }
        EntityCaps.Announcement a = EntityCaps.Announcement.of(p.element());
        s.attributes().put(Attr.ANNOUNCEMENT, new Announced(p, a));
        return a;
    }

    /** The announcement (null: none) of a presence, kept while that presence is the session's. */
    private record Announced(Presence presence, EntityCaps.Announcement announcement) {
    }

    /** Features of a session whose caps could not be verified: used for that session only. */
    private record Unverified(String ver, Set<String> features) {
    }

    private boolean interested(ClientSession s, String node) {
        if (!s.isAvailable()) {
            return false;
        }
        Set<String> f = features(s);
        return f != null && f.contains(node + "+notify");
    }

    /**
     * Sends an event to every interested resource allowed to see the node: the owner's and those of
     * contacts with a presence subscription to the owner. {@code only} restricts it to one resource.
     */
    void notify(PubSubNode n, XmlElement eventChild, Jid only) {
        Set<Jid> targets = new LinkedHashSet<>();
        for (ClientSession s : ctx.sessions().of(n.owner())) {
            if (interested(s, n.node())) {
                targets.add(s.jid());
            }
        }
        if (n.accessModel() != AccessModel.WHITELIST) {
            for (RosterItem i : ctx.rosters().visibleItems(n.owner())) {
                if (!i.subscription().hasFrom() || !allowed(n, i)) {
                    continue;
                }
                for (ClientSession s : ctx.sessions().of(i.jid().bare())) {
                    if (interested(s, n.node())) {
                        targets.add(s.jid());
                    }
                }
            }
        }
        XmlElement event = XmlElement.builder(EVENT, "event").child(eventChild).build();
        for (Jid to : targets) {
            if (only == null || only.equals(to)) {
                send(n.owner(), to, event);
            }
        }
    }

    private void send(Jid owner, Jid to, XmlElement event) {
        XmlElement m = XmlElement.builder(Ns.CLIENT, "message").attr("from", owner.toString()).attr("to", to.toString())
                .attr("type", "headline").attr("id", "pep-" + messageIds.incrementAndGet()).child(event).build();
        ctx.router().route(Stanza.trusted(m));
    }

    /** The last item of a node to one resource, when it wants it and {@code allowed} to see it. */
    private void sendLast(PubSubNode n, ClientSession s, boolean presence, boolean allowed) {
        if (!allowed || n.sendLast() == SendLast.NEVER || (presence && n.sendLast() != SendLast.ON_SUB_AND_PRESENCE)
                || !interested(s, n.node())) {
            return;
        }
        List<PubSubItem> last = store.items(n.owner(), n.node(), 1);
        if (!last.isEmpty()) {
            send(n.owner(), s.jid(), XmlElement.builder(EVENT, "event")
                    .child(itemsEvent(n.node(), List.of(itemElement(EVENT, last.get(0))))).build());
        }
    }

    /** XEP-0163 §4.3.4: a resource that became available gets the last items it is interested in. */
    private void sendLastItems(ClientSession s) {
        Set<String> f = features(s);
        if (f == null || f.stream().noneMatch(x -> x.endsWith("+notify"))) {
            return;
        }
        Jid user = s.jid().bare();
        for (PubSubNode n : store.nodes(user)) {
            sendLast(n, s, true, true);
        }
        for (RosterItem i : ctx.rosters().visibleItems(user)) {
            Jid contact = i.jid().bare();
            if (i.subscription().hasTo() && contact.hasLocal() && ctx.router().isLocalDomain(contact.domain())) {
                List<PubSubNode> nodes = store.nodes(contact);
                if (nodes.isEmpty()) {
                    continue;
                }
                // The user's item on the contact's roster decides access, for every node of the contact.
                RosterItem seen = ctx.rosters().item(contact, user);
                for (PubSubNode n : nodes) {
                    sendLast(n, s, true, allowed(n, seen));
                }
            }
        }
    }

    @Override
    public void available(ClientSession s, Presence p, boolean initial) {
        EntityCaps.Announcement a = EntityCaps.Announcement.of(p.element());
        Object before = s.attributes().get(Attr.CAPS_VER);
        String now = a == null ? "" : a.key();
        s.attributes().put(Attr.CAPS_VER, now);
        if (!initial && now.equals(before)) {
            return;
        }
        if (a == null) {
            return;
        }
        if (features(s) != null) {
            sendLastItems(s);
            return;
        }
        resolve(s, a);
    }

    /** Asks the resource for the features behind an unknown caps hash (XEP-0115 §6.3). */
    private void resolve(ClientSession s, EntityCaps.Announcement a) {
        if (resolving.size() >= MAX_RESOLVING && !resolving.containsKey(a.key())) {
            LOG.info("Caps {} of {} not resolved: {} hashes already being resolved", a.ver(), s.jid(), MAX_RESOLVING);
            return;
        }
        Set<Jid> waiting = resolving.computeIfAbsent(a.key(), k -> ConcurrentHashMap.newKeySet());
        boolean first;
        synchronized (waiting) {
            first = waiting.isEmpty();
            if (waiting.size() < 1000) {
                waiting.add(s.jid());
            }
        }
        if (!first) {
            return;
        }
        Jid server = Jid.domain(ctx.domain());
        String id = ctx.tracker().newId("caps-");
        XmlElement q = XmlElement.builder(Ns.DISCO_INFO, "query").attr("node", a.node() + "#" + a.ver()).build();
        ctx.tracker().expect(s.jid(), id, Duration.ofSeconds(30), answer -> resolved(s.jid(), a, answer));
        ctx.router().route(Iq.request(Iq.Type.GET, id, server, s.jid(), q));
    }

    private void resolved(Jid asked, EntityCaps.Announcement a, Iq answer) {
        Set<Jid> waiting = resolving.remove(a.key());
        if (answer == null || answer.type() != Iq.Type.RESULT || answer.payload() == null
                || !answer.payload().is(Ns.DISCO_INFO, "query")) {
            LOG.debug("Caps {} of {} not resolved: {}", a.ver(), asked, answer == null ? "timeout" : "error");
            return;
        }
        Set<String> features = EntityCaps.featuresOf(answer.payload());
        if (EntityCaps.verify(a, answer.payload())) {
            caps.put(a, features);
        } else {
            LOG.info("Caps hash {} announced by {} does not match its features: not cached", a.ver(), asked);
            ClientSession s = ctx.sessions().get(asked);
            if (s != null) {
                s.attributes().put(Attr.FEATURES, new Unverified(a.key(), features));
            }
        }
        if (waiting == null) {
            return;
        }
        for (Jid j : waiting) {
            ClientSession s = ctx.sessions().get(j);
            if (s != null && s.isAvailable() && features(s) != null) {
                sendLastItems(s);
            } else if (s != null && s.isAvailable() && !j.equals(asked)) {
                // Its presence names the same hash but it was not verified: ask it itself.
                EntityCaps.Announcement mine = EntityCaps.Announcement.of(s.presence().element());
                if (mine != null && mine.key().equals(a.key())) {
                    resolveUnverified(s, mine);
                }
            }
        }
    }

    private void resolveUnverified(ClientSession s, EntityCaps.Announcement a) {
        String id = ctx.tracker().newId("caps-");
        XmlElement q = XmlElement.builder(Ns.DISCO_INFO, "query").attr("node", a.node() + "#" + a.ver()).build();
        ctx.tracker().expect(s.jid(), id, Duration.ofSeconds(30), answer -> {
            if (answer != null && answer.type() == Iq.Type.RESULT && answer.payload() != null) {
                s.attributes().put(Attr.FEATURES, new Unverified(a.key(), EntityCaps.featuresOf(answer.payload())));
                sendLastItems(s);
            }
        });
        ctx.router().route(Iq.request(Iq.Type.GET, id, Jid.domain(ctx.domain()), s.jid(), q));
    }

    @Override
    public void subscriptionApproved(Jid user, Jid contact) {
        if (!contact.hasLocal() || !ctx.router().isLocalDomain(contact.domain())) {
            return;
        }
        List<PubSubNode> nodes = store.nodes(user);
        if (nodes.isEmpty()) {
            return;
        }
        RosterItem seen = ctx.rosters().item(user, contact.bare());
        for (ClientSession s : ctx.sessions().of(contact.bare())) {
            for (PubSubNode n : nodes) {
                sendLast(n, s, false, allowed(n, seen));
            }
        }
    }

    @Override
    public Presence outgoing(ClientSession s, Presence p) {
        return avatars == null ? p : avatars.withPhotoHash(s.jid().bare(), p);
    }

    /** Accounts whose XEP-0398 avatar hash is cached: those online here that sent presence (admin console, tests). */
    public int cachedAvatarHashes() {
        return avatars == null ? 0 : avatars.cachedHashes();
    }

    /** Verified caps hashes cached (for the admin console and tests). */
    public int cachedCaps() {
        return caps.size();
    }
}
