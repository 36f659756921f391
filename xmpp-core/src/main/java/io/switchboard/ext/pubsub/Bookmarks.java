package io.switchboard.ext.pubsub;

import io.switchboard.config.CoreSettings;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.module.ModuleContext;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.PrivateXmlStore;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bookmarks compatibility (XEP-0402 §5): the PEP node {@code urn:xmpp:bookmarks:1} (one item per
 * room), the legacy XEP-0048 {@code <storage xmlns='storage:bookmarks'/>} in private XML storage
 * (XEP-0049) and the legacy PEP node {@code storage:bookmarks} are kept in step: a change to any of
 * them rewrites the other two.
 */
final class Bookmarks implements PepModule.Follower {

    private static final Logger LOG = LoggerFactory.getLogger(Bookmarks.class);

    static final String NS = "urn:xmpp:bookmarks:1";
    static final String LEGACY = "storage:bookmarks";
    static final String PRIVATE_KEY = LEGACY + " storage";

    private final PepModule pep;
    private final PrivateXmlStore privateXml;
    private final long privateMax;

    Bookmarks(PepModule pep, ModuleContext ctx) {
        this.pep = pep;
        this.privateXml = ctx.storage().privateXml();
        this.privateMax = ctx.config().get(CoreSettings.PRIVATE_MAX_BYTES).bytes();
    }

    void register(HandlerRegistry.Builder b) {
        b.accountFeature(NS + "#compat");
        b.accountFeature(NS + "#compat-pep");
        b.wrapAccount(IqKey.set(Ns.PRIVATE, "query"), h -> req -> {
            Iq answer = h.handle(req);
            if (answer != null && answer.type() == Iq.Type.RESULT) {
                try {
                    privateStored(req);
                } catch (RuntimeException e) {
                    // The private XML is stored: its answer stands; only the PEP copy failed.
                    LOG.warn("PEP bookmarks of {} not updated from private XML", req.target(), e);
                }
            }
            return answer;
        });
    }

    private static PubSubNode node(Jid owner, String name) {
        return new PubSubNode(owner, name, PubSubNode.AccessModel.WHITELIST, true,
                name.equals(NS) ? PubSubNode.MAX : 1, PubSubNode.SendLast.NEVER, true, null, List.of(),
                java.time.Instant.now());
    }

    // ---------------------------------------------------------------- legacy → XEP-0402

    private void privateStored(IqRequest req) {
        XmlElement storage = req.iq().payload().child(LEGACY, "storage");
        if (storage != null) {
            fromLegacy(req.target(), storage, true);
        }
    }

    @Override
    public void published(Jid owner, String node, PubSubItem item, boolean sync) {
        if (sync || item.payload() == null) {
            return;
        }
        if (node.equals(LEGACY)) {
            XmlElement storage = XmlFragments.parse(item.payload());
            if (storage.is(LEGACY, "storage")) {
                fromLegacy(owner, storage, false);
            }
        } else if (node.equals(NS)) {
            toLegacy(owner);
        }
    }

    @Override
    public void removed(Jid owner, String node, List<String> ids, boolean sync) {
        if (!sync && node.equals(NS)) {
            toLegacy(owner);
        }
    }

    /** A legacy store changed: the XEP-0402 node follows, then the other legacy store. */
    private void fromLegacy(Jid owner, XmlElement storage, boolean fromPrivate) {
        Map<String, XmlElement> wanted = new LinkedHashMap<>();
        for (XmlElement c : storage.elements(LEGACY, "conference")) {
            String jid = c.attr("jid");
            if (jid == null || Jid.tryOf(jid).isEmpty()) {
                continue;
            }
            String id = Jid.of(jid).toString();
            XmlElement.Builder b = XmlElement.builder(NS, "conference");
            if (c.attr("name") != null) {
                b.attr("name", c.attr("name"));
            }
            String autojoin = c.attr("autojoin");
            if ("true".equals(autojoin) || "1".equals(autojoin)) {
                b.attr("autojoin", "true");
            }
            String nick = c.childText(LEGACY, "nick");
            if (nick != null) {
                b.textChild(NS, "nick", nick);
            }
            String password = c.childText(LEGACY, "password");
            if (password != null) {
                b.textChild(NS, "password", password);
            }
            wanted.put(id, b.build());
        }
        try {
            Map<String, XmlElement> current = current(owner);
            for (Map.Entry<String, XmlElement> e : wanted.entrySet()) {
                XmlElement now = current.get(e.getKey());
                XmlElement next = e.getValue();
                if (now != null) {
                    // Extensions only XEP-0402 clients know survive the round trip.
                    XmlElement ext = now.child(NS, "extensions");
                    if (ext != null) {
                        next = next.withChild(ext);
                    }
                }
                if (now == null || !XmlWriter.toXml(now).equals(XmlWriter.toXml(next))) {
                    pep.publish(owner, NS, e.getKey(), next, owner, null, node(owner, NS), true);
                }
            }
            List<String> gone = new ArrayList<>();
            for (String id : current.keySet()) {
                if (!wanted.containsKey(id)) {
                    gone.add(id);
                }
            }
            if (!gone.isEmpty()) {
                pep.retract(owner, NS, gone, true, true);
            }
            if (fromPrivate) {
                pep.publish(owner, LEGACY, "current", storage, owner, null, node(owner, LEGACY), true);
            } else {
                putPrivate(owner, storage);
            }
            LOG.debug("Bookmarks of {} converted from XEP-0048 ({})", owner, fromPrivate ? "private XML" : "PEP");
        } catch (StanzaException e) {
            LOG.info("Bookmarks of {} not converted to XEP-0402: {}", owner, e.error().condition());
        }
    }

    private Map<String, XmlElement> current(Jid owner) {
        Map<String, XmlElement> out = new LinkedHashMap<>();
        if (pep.store().node(owner, NS).isEmpty()) {
            return out;
        }
        for (PubSubItem i : pep.store().items(owner, NS, Integer.MAX_VALUE)) {
            if (i.payload() != null) {
                out.put(i.id(), XmlFragments.parse(i.payload()));
            }
        }
        return out;
    }

    private void putPrivate(Jid owner, XmlElement storage) {
        if (!privateXml.put(owner, PRIVATE_KEY, XmlWriter.toXml(storage), privateMax)) {
            LOG.info("Bookmarks of {} not copied to private XML storage: quota", owner);
        }
    }

    // ---------------------------------------------------------------- XEP-0402 → legacy

    /** Rebuilds the legacy storage from the XEP-0402 node (URL bookmarks of the legacy copy are kept). */
    private void toLegacy(Jid owner) {
        XmlElement.Builder storage = XmlElement.builder(LEGACY, "storage");
        List<PubSubItem> items = new ArrayList<>(pep.store().items(owner, NS, Integer.MAX_VALUE));
        java.util.Collections.reverse(items);
        for (PubSubItem i : items) {
            if (i.payload() == null) {
                continue;
            }
            XmlElement c = XmlFragments.parse(i.payload());
            if (!c.is(NS, "conference")) {
                continue;
            }
            XmlElement.Builder b = XmlElement.builder(LEGACY, "conference").attr("jid", i.id());
            b.attr("name", c.attr("name"));
            b.attr("autojoin", "true".equals(c.attr("autojoin")) || "1".equals(c.attr("autojoin")) ? "true" : "false");
            String nick = c.childText(NS, "nick");
            if (nick != null) {
                b.textChild(LEGACY, "nick", nick);
            }
            String password = c.childText(NS, "password");
            if (password != null) {
                b.textChild(LEGACY, "password", password);
            }
            storage.child(b.build());
        }
        privateXml.get(owner, PRIVATE_KEY).map(XmlFragments::parse)
                .ifPresent(old -> old.elements(LEGACY, "url").forEach(storage::child));
        XmlElement legacy = storage.build();
        putPrivate(owner, legacy);
        try {
            pep.publish(owner, LEGACY, "current", legacy, owner, null, node(owner, LEGACY), true);
        } catch (StanzaException e) {
            LOG.info("Bookmarks of {} not copied to the legacy PEP node: {}", owner, e.error().condition());
        }
        LOG.debug("Bookmarks of {} converted to XEP-0048", owner);
    }
}
