package io.switchboard.ext.pubsub;

import io.switchboard.config.CoreSettings;
import io.switchboard.ext.vcard.VCardHandler;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.module.ModuleContext;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.VCardStore;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlNode;
import io.switchboard.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User avatars (XEP-0084) kept in step with vCard-based avatars (XEP-0153) as XEP-0398 describes:
 * publishing the metadata of an avatar whose data is in PEP writes the vCard's PHOTO; setting a
 * vCard with a PHOTO publishes data and metadata; the account's broadcast presence carries the
 * current hash in {@code <x xmlns='vcard-temp:x:update'><photo/>}.
 */
final class Avatars implements PepModule.Follower {

    private static final Logger LOG = LoggerFactory.getLogger(Avatars.class);

    static final String DATA = "urn:xmpp:avatar:data";
    static final String METADATA = "urn:xmpp:avatar:metadata";
    static final String UPDATE = "vcard-temp:x:update";
    static final String CONVERSION = "urn:xmpp:pep-vcard-conversion:0";

    private final PepModule pep;
    private final VCardStore vcards;
    private final long vcardMax;
    private final AvatarHashes hashes;

    Avatars(PepModule pep, ModuleContext ctx) {
        this.pep = pep;
        this.vcards = ctx.storage().vcards();
        this.vcardMax = ctx.config().get(CoreSettings.VCARD_MAX_BYTES).bytes();
        this.hashes = new AvatarHashes(this::currentHash, owner -> ctx.sessions().isOnline(owner));
    }

    /** From the module's start: cached hashes go with the account's last session. */
    void start(ModuleContext ctx) {
        ctx.sessions().onUnbind(s -> hashes.offline(s.jid().bare()));
    }

    void register(HandlerRegistry.Builder b) {
        b.accountFeature(CONVERSION);
        b.wrapAccount(IqKey.set(VCardHandler.NS, "vCard"), h -> req -> {
            Iq answer = h.handle(req);
            if (answer != null && answer.type() == Iq.Type.RESULT) {
                try {
                    vcardChanged(req);
                } catch (RuntimeException e) {
                    // The vCard is stored: its answer stands; only the PEP copy failed.
                    LOG.warn("PEP avatar of {} not updated from its vCard", req.target(), e);
                }
            }
            return answer;
        });
    }

    // ---------------------------------------------------------------- PEP → vCard

    @Override
    public void published(Jid owner, String node, PubSubItem item, boolean sync) {
        if (node.equals(METADATA)) {
            hashes.invalidate(owner);
        }
        if (sync || !node.equals(METADATA) || item.payload() == null) {
            return;
        }
        XmlElement metadata = XmlFragments.parse(item.payload());
        XmlElement photo = null;
        if (metadata.is(METADATA, "metadata")) {
            XmlElement info = chosen(metadata);
            if (info != null) {
                if (info.attr("url") != null) {
                    return; // the image lives elsewhere: the vCard cannot carry it
                }
                Optional<PubSubItem> data = pep.store().item(owner, DATA, info.attr("id"));
                if (data.isEmpty() || data.get().payload() == null) {
                    LOG.debug("Avatar {} of {} has no data in PEP: vCard left as is", info.attr("id"), owner);
                    return;
                }
                String b64 = XmlFragments.parse(data.get().payload()).text().replaceAll("\\s", "");
                photo = XmlElement.builder(VCardHandler.NS, "PHOTO")
                        .textChild(VCardHandler.NS, "TYPE", info.attr("type") == null ? "image/png" : info.attr("type"))
                        .textChild(VCardHandler.NS, "BINVAL", b64).build();
            }
        }
        XmlElement vcard = vcards.get(owner).map(XmlFragments::parse)
                .orElse(XmlElement.empty(VCardHandler.NS, "vCard"));
        XmlElement next = vcard.withoutChildren(VCardHandler.NS, "PHOTO");
        if (photo != null) {
            next = next.withChild(photo);
        }
        String xml = XmlWriter.toXml(next);
        if (xml.getBytes(StandardCharsets.UTF_8).length > vcardMax) {
            LOG.info("Avatar of {} too large for the vCard ({} bytes at most): vCard left as is", owner, vcardMax);
            return;
        }
        vcards.put(owner, xml);
        LOG.debug("vCard PHOTO of {} updated from its PEP avatar", owner);
    }

    /** The info element naming the avatar: PNG first (XEP-0084 §4.2.1), else the first. */
    private static XmlElement chosen(XmlElement metadata) {
        List<XmlElement> infos = metadata.elements(METADATA, "info");
        for (XmlElement i : infos) {
            if ("image/png".equals(i.attr("type")) && i.attr("id") != null) {
                return i;
            }
        }
        for (XmlElement i : infos) {
            if (i.attr("id") != null) {
                return i;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- vCard → PEP

    private void vcardChanged(IqRequest req) {
        Jid owner = req.target();
        XmlElement vcard = req.iq().payload();
        XmlElement photo = vcard.child(VCardHandler.NS, "PHOTO");
        String b64 = photo == null ? null : photo.childText(VCardHandler.NS, "BINVAL");
        try {
            String current = currentHash(owner);
            if (b64 == null || b64.isBlank()) {
                if (current != null && !current.isEmpty()) {
                    pep.publish(owner, METADATA, "current", XmlElement.empty(METADATA, "metadata"), owner, null,
                            avatarNode(owner, METADATA), true);
                }
                return;
            }
            byte[] image;
            try {
                image = Base64.getMimeDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                LOG.info("vCard PHOTO of {} is not base64: no PEP avatar", owner);
                return;
            }
            String id = sha1(image);
            if (id.equals(current)) {
                return;
            }
            String type = photo.childText(VCardHandler.NS, "TYPE");
            type = type == null || type.isBlank() ? "image/png" : type.trim();
            pep.publish(owner, DATA, id, XmlElement.builder(DATA, "data").text(Base64.getEncoder().encodeToString(image))
                    .build(), owner, null, avatarNode(owner, DATA), true);
            pep.publish(owner, METADATA, id, XmlElement.builder(METADATA, "metadata")
                    .child(XmlElement.builder(METADATA, "info").attr("bytes", Integer.toString(image.length)).attr("id", id)
                            .attr("type", type).build()).build(), owner, null, avatarNode(owner, METADATA), true);
            LOG.debug("PEP avatar of {} published from its vCard", owner);
        } catch (StanzaException e) {
            LOG.info("vCard avatar of {} not published to PEP: {}", owner, e.error().condition());
        }
    }

    private PubSubNode avatarNode(Jid owner, String node) {
        return PubSubNode.defaults(owner, node, java.time.Instant.now());
    }

    static String sha1(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void removed(Jid owner, String node, List<String> ids, boolean sync) {
        if (node.equals(METADATA)) {
            hashes.invalidate(owner);
        }
    }

    /** The account is gone (its nodes were deleted with it). */
    void forget(Jid owner) {
        hashes.invalidate(owner);
    }

    /** Accounts whose hash is cached (tests). */
    int cachedHashes() {
        return hashes.size();
    }

    /** The id of the current avatar, "" when disabled, null when the account never published one (a store read). */
    String currentHash(Jid owner) {
        List<PubSubItem> last = pep.store().items(owner, METADATA, 1);
        if (last.isEmpty() || last.get(0).payload() == null) {
            return null;
        }
        try {
            XmlElement info = chosen(XmlFragments.parse(last.get(0).payload()));
            return info == null ? "" : info.attr("id");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- presence (XEP-0398 §4)

    Presence withPhotoHash(Jid owner, Presence p) {
        String hash = hashes.get(owner);
        if (hash == null) {
            return p;
        }
        XmlElement e = p.element();
        XmlElement x = e.child(UPDATE, "x");
        if (x != null && hash.equals(x.childText(UPDATE, "photo"))) {
            return p;
        }
        List<XmlNode> children = new ArrayList<>();
        for (XmlNode n : e.children()) {
            if (!(n instanceof XmlElement c && c.is(UPDATE, "x"))) {
                children.add(n);
            }
        }
        XmlElement.Builder photo = XmlElement.builder(UPDATE, "photo");
        if (!hash.isEmpty()) {
            photo.text(hash);
        }
        children.add(XmlElement.builder(UPDATE, "x").child(photo.build()).build());
        return p.withElement(e.withChildren(children));
    }
}
