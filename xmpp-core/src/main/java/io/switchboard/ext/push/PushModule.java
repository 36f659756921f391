package io.switchboard.ext.push;

import io.switchboard.config.Setting;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.routing.MessageHook;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.session.ClientSession;
import io.switchboard.session.OnlineAccountCache;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.PushRegistration;
import io.switchboard.store.PushStore;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlNode;
import io.switchboard.xml.XmlWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push notifications (XEP-0357): a device enables push with its app server's JID and node; when a
 * message worth waking the phone for reaches the account while that device is offline (or detached
 * under stream management), the server publishes a notification with the XEP's summary form to the
 * app server — local component or remote domain. The message body is included only when
 * configured. The last pushes of each device are kept for the admin.
 */
public final class PushModule implements ServerModule, MessageHook {

    private static final Logger LOG = LoggerFactory.getLogger(PushModule.class);
    public static final String NS = "urn:xmpp:push:0";
    private static final String PUBSUB = "http://jabber.org/protocol/pubsub";
    private static final int LOG_SIZE = 20;
    private static final Set<String> WAKING = Set.of("eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2",
            "urn:xmpp:openpgp:0", "jabber:x:encrypted", "urn:xmpp:jingle-message:0", "jabber:x:conference",
            "http://jabber.org/protocol/muc#user");

    public static final Setting<Boolean> INCLUDE_BODY = Setting.bool("push.include-body", false,
            "Put the message text into push notifications (they pass through the app vendor's servers).");
    public static final Setting<Boolean> INCLUDE_SENDER = Setting.bool("push.include-sender", true,
            "Put the sender's address into push notifications.");

    /** One entry of a device's push log. */
    public record LogEntry(Instant at, Jid from, String outcome) {
    }

    private PushStore store;
    private final Map<String, Deque<LogEntry>> logs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    /**
     * Registrations of accounts with a session here: every message delivered to an online account
     * asks for them (a device may be offline while another is online), and that must not be a
     * storage read per message. Loaded on first use (without a lock held during the read), dropped
     * when the account's last session ends and whenever its registrations change.
     */
    private final OnlineAccountCache<List<PushRegistration>> online = new OnlineAccountCache<>(
            o -> List.copyOf(this.store.list(o)), o -> this.ctx != null && this.ctx.sessions().isOnline(o));
    private ModuleContext ctx;
    private boolean includeBody;
    private boolean includeSender;

    public PushModule() {
    }

    @Override
    public String name() {
        return "push";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(INCLUDE_BODY, INCLUDE_SENDER);
    }

    @Override
    public void register(HandlerRegistry.Builder b, ModuleContext c) {
        this.store = c.storage().push();
        b.account(IqKey.set(NS, "enable"), this::enable);
        b.account(IqKey.set(NS, "disable"), this::disable);
        b.accountFeature(NS);
        b.serverFeature(NS);
    }

    @Override
    public void start(ModuleContext c) {
        this.ctx = c;
        this.includeBody = c.config().get(INCLUDE_BODY);
        this.includeSender = c.config().get(INCLUDE_SENDER);
        c.router().addHook(this);
        c.sessions().onBind(s -> registrationsOf(s.jid().bare()));
        c.sessions().onUnbind(s -> online.offline(s.jid().bare()));
    }

    /**
     * After a change has reached the store: the cached registrations are dropped and, while the
     * account is online here, read again with the change, so that delivering the next message reads
     * no storage.
     */
    private void refresh(Jid owner) {
        online.invalidate(owner);
        if (ctx != null && ctx.sessions().isOnline(owner)) {
            online.get(owner);
        }
    }

    /** The account's registrations, from the cache when it has a session here. */
    private List<PushRegistration> registrationsOf(Jid owner) {
        return online.get(owner);
    }

    private static String key(Jid owner, Jid service, String node) {
        return owner + " " + service + " " + node;
    }

    private Iq enable(IqRequest req) throws StanzaException {
        if (!req.fromOwner() || req.session() == null) {
            throw new StanzaException(StanzaError.forbidden(null));
        }
        XmlElement e = req.iq().payload();
        Jid service = service(e);
        String node = e.attr("node");
        if (node == null || node.isEmpty() || node.length() > 1024) {
            throw new StanzaException(StanzaError.badRequest("a node is required"));
        }
        XmlElement options = e.child(Ns.DATA_FORMS, "x");
        store.put(new PushRegistration(req.target(), service, node, req.session().jid().resource(),
                options == null ? null : XmlWriter.toXml(options), ctx.clock().instant()));
        refresh(req.target());
        counts.remove(key(req.target(), service, node));
        LOG.info("Push enabled for {} ({}) via {} node {}", req.target(), req.session().jid().resource(), service, node);
        return req.iq().result();
    }

    private Iq disable(IqRequest req) throws StanzaException {
        if (!req.fromOwner()) {
            throw new StanzaException(StanzaError.forbidden(null));
        }
        XmlElement e = req.iq().payload();
        int n = store.remove(req.target(), service(e), e.attr("node"));
        refresh(req.target());
        LOG.info("Push disabled for {} ({} registrations)", req.target(), n);
        return req.iq().result();
    }

    private static Jid service(XmlElement e) throws StanzaException {
        String j = e.attr("jid");
        if (j == null) {
            throw new StanzaException(StanzaError.badRequest("the app server's jid is required"));
        }
        try {
            return Jid.of(j);
        } catch (MalformedJidException ex) {
            throw new StanzaException(StanzaError.jidMalformed("invalid app server jid"));
        }
    }

    /** Whether a message is worth waking a phone for: content, not receipts or chat states alone. */
    static boolean wakes(Message m) {
        if (m.type() == Message.Type.ERROR || m.type() == Message.Type.HEADLINE) {
            return false;
        }
        XmlElement e = m.element();
        if (e.hasChild(Ns.CLIENT, "body")) {
            return true;
        }
        for (XmlNode n : e.children()) {
            if (n instanceof XmlElement c && WAKING.contains(c.ns())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void delivered(Jid recipient, Message m, List<Jid> resources, boolean stored) {
        if (!wakes(m)) {
            return;
        }
        List<PushRegistration> regs = registrationsOf(recipient);
        for (PushRegistration r : regs) {
            ClientSession device = r.resource() == null ? null : ctx.sessions().get(recipient.withResource(r.resource()));
            if (device != null && device.isConnected()) {
                continue;
            }
            push(r, m);
        }
    }

    private void push(PushRegistration r, Message m) {
        String k = key(r.owner(), r.service(), r.node());
        int count = counts.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
        XmlElement.Builder form = XmlElement.builder(Ns.DATA_FORMS, "x").attr("type", "submit");
        form.child(field("FORM_TYPE", "urn:xmpp:push:summary"));
        form.child(field("message-count", Integer.toString(count)));
        if (includeSender && m.from() != null) {
            form.child(field("last-message-sender", m.from().bare().toString()));
        }
        if (includeBody && m.body() != null) {
            form.child(field("last-message-body", m.body()));
        }
        XmlElement.Builder pubsub = XmlElement.builder(PUBSUB, "pubsub")
                .child(XmlElement.builder(PUBSUB, "publish").attr("node", r.node())
                        .child(XmlElement.builder(PUBSUB, "item")
                                .child(XmlElement.builder(NS, "notification").child(form.build()).build()).build())
                        .build());
        if (r.options() != null) {
            try {
                pubsub.child(XmlElement.builder(PUBSUB, "publish-options").child(XmlFragments.parse(r.options())).build());
            } catch (IllegalArgumentException e) {
                LOG.debug("Stored publish-options of {} unreadable", r.owner());
            }
        }
        String id = ctx.tracker().newId("push-");
        Iq iq = Iq.request(Iq.Type.SET, id, r.owner(), r.service(), pubsub.build());
        ctx.tracker().expect(r.service(), id, Duration.ofSeconds(30), answer -> answered(r, m, answer));
        ctx.router().route(iq);
    }

    private void answered(PushRegistration r, Message m, Iq answer) {
        String outcome;
        if (answer == null) {
            outcome = "timeout";
        } else if (answer.type() == Iq.Type.RESULT) {
            outcome = "delivered";
        } else {
            StanzaError err = io.switchboard.stanza.StanzaError.fromStanza(answer.element());
            outcome = "error: " + (err == null ? "?" : err.condition());
            if (err != null && (err.condition().equals("item-not-found") || err.condition().equals("not-authorized"))) {
                // XEP-0357 §6: the app server does not know this device (any more).
                store.remove(r.owner(), r.service(), r.node());
                refresh(r.owner());
                LOG.info("Push registration of {} at {} removed: the app server answered {}", r.owner(), r.service(),
                        err.condition());
            }
        }
        Deque<LogEntry> log = logs.computeIfAbsent(key(r.owner(), r.service(), r.node()), k -> new ArrayDeque<>());
        synchronized (log) {
            log.addLast(new LogEntry(ctx.clock().instant(), m.from(), outcome));
            while (log.size() > LOG_SIZE) {
                log.pollFirst();
            }
        }
    }

    /** The latest pushes of a device, oldest first (for the admin console). */
    public List<LogEntry> log(Jid owner, Jid service, String node) {
        Deque<LogEntry> log = logs.get(key(owner, service, node));
        if (log == null) {
            return List.of();
        }
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Registrations of an account (for the admin console). */
    public List<PushRegistration> registrations(Jid owner) {
        return store.list(owner);
    }

    private static XmlElement field(String var, String value) {
        return XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", var).textChild(Ns.DATA_FORMS, "value", value).build();
    }
}
