package io.switchboard.ext.mam;

import io.switchboard.jid.Jid;
import io.switchboard.routing.MessageHook;
import io.switchboard.session.ClientSession;
import io.switchboard.session.OnlineAccountCache;
import io.switchboard.stanza.Message;
import io.switchboard.store.ArchivePreferences;
import io.switchboard.store.ArchivePreferencesStore;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import io.switchboard.store.RosterItem;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlNode;
import io.switchboard.xml.XmlWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives users' 1:1 messages (XEP-0313) and stamps each with the archive id as its stanza-id
 * (XEP-0359) before it is delivered, so that every device of the user sees the same id and order.
 * Forged stanza-ids claiming to be ours are removed. Retractions (XEP-0424) replace the retracted
 * message in the archive with a tombstone.
 *
 * @implNote thread-safe; runs on senders' workers; writes go through the batching {@link Archiver}.
 */
public final class ArchiveService implements MessageHook {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveService.class);
    public static final String MAM = "urn:xmpp:mam:2";
    public static final String SID = "urn:xmpp:sid:0";
    public static final String RETRACT = "urn:xmpp:message-retract:1";
    public static final String HINTS = "urn:xmpp:hints";

    /** Payloads worth keeping even without a body. */
    private static final Set<String> PERSISTENT = Set.of("urn:xmpp:receipts", "urn:xmpp:chat-markers:0",
            "urn:xmpp:reactions:0", RETRACT, "urn:xmpp:fasten:0", "eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2",
            "urn:xmpp:openpgp:0", "jabber:x:encrypted", "jabber:x:oob", "jabber:x:conference",
            "http://jabber.org/protocol/muc#user", "urn:xmpp:message-correct:0", "urn:xmpp:sims:1", "urn:xmpp:sfs:0");

    private final MessageArchive archive;
    private final ArchivePreferencesStore prefsStore;
    private final Archiver archiver;
    private final ArchiveIds ids;
    private final Clock clock;
    private final BiFunction<Jid, Jid, RosterItem> rosterItem;
    /** Preferences of accounts with sessions here; a read that races a change is not kept. */
    private final OnlineAccountCache<ArchivePreferences> prefsCache;

    /**
     * @param rosterItem the owner's roster item for a contact (for the 'roster' archiving default)
     * @param online     whether an account has a session on this node (its preferences are then cached)
     */
    public ArchiveService(MessageArchive archive, ArchivePreferencesStore prefs, ArchiveIds ids, Clock clock,
                          BiFunction<Jid, Jid, RosterItem> rosterItem, Predicate<Jid> online) {
        this.archive = archive;
        this.prefsStore = prefs;
        this.archiver = new Archiver(archive);
        this.ids = ids;
        this.clock = clock;
        this.rosterItem = rosterItem;
        this.prefsCache = new OnlineAccountCache<>(o -> prefsStore.get(o).orElse(ArchivePreferences.DEFAULT), online);
    }

    public MessageArchive archive() {
        return archive;
    }

    public Archiver archiver() {
        return archiver;
    }

    public Clock clock() {
        return clock;
    }

    // ---------------------------------------------------------------- hooks

    @Override
    public Message outgoing(ClientSession sender, Message m) {
        Jid owner = sender.jid().bare();
        Message clean = withoutStanzaIds(m, owner);
        if (m.to() == null || m.to().sameBare(owner) || !archivable(m) || !allowed(owner, m.to().bare())) {
            return clean;
        }
        retractIfAsked(owner, m.to().bare(), clean);
        long id = ids.next(clock.instant());
        // The sender's own copy carries the sender's stanza-id (seen by its other devices through
        // carbons); it is removed again before the message leaves (see stripOwnIds()).
        Message stamped = clean.withElement(clean.element().withChild(stanzaId(id, owner)));
        archiver.add(new ArchivedMessage(owner, id, m.to().bare(), true, ArchiveIds.time(id), originId(m),
                XmlWriter.toXml(stamped.element())));
        return stamped;
    }

    @Override
    public Message incoming(Jid owner, Message m) {
        Message clean = withoutStanzaIds(m, owner);
        Jid from = m.from();
        if (from == null || from.sameBare(owner) || !archivable(m) || !allowed(owner, from.bare())) {
            return clean;
        }
        retractIfAsked(owner, from.bare(), clean);
        long id = ids.next(clock.instant());
        Message stamped = clean.withElement(clean.element().withChild(stanzaId(id, owner)));
        archiver.add(new ArchivedMessage(owner, id, from.bare(), false, ArchiveIds.time(id), originId(m),
                XmlWriter.toXml(stamped.element())));
        return stamped;
    }

    /** A hook to run after carbons: the sender's stanza-id must not leave with the message. */
    public MessageHook stripOwnIds() {
        return new MessageHook() {
            @Override
            public Message outgoing(ClientSession sender, Message m) {
                return withoutStanzaIds(m, sender.jid().bare());
            }
        };
    }

    static XmlElement stanzaId(long id, Jid by) {
        return XmlElement.builder(SID, "stanza-id").attr("id", ArchiveIds.format(id)).attr("by", by.toString()).build();
    }

    /** XEP-0359 §3: stanza-ids claiming to be from the owner's archive are removed on the way in. */
    static Message withoutStanzaIds(Message m, Jid by) {
        boolean found = false;
        for (XmlNode n : m.element().children()) {
            if (n instanceof XmlElement e && e.is(SID, "stanza-id") && by.toString().equals(e.attr("by"))) {
                found = true;
                break;
            }
        }
        if (!found) {
            return m;
        }
        List<XmlNode> kept = new ArrayList<>();
        for (XmlNode n : m.element().children()) {
            if (!(n instanceof XmlElement e && e.is(SID, "stanza-id") && by.toString().equals(e.attr("by")))) {
                kept.add(n);
            }
        }
        return m.withElement(m.element().withChildren(kept));
    }

    static String originId(Message m) {
        XmlElement o = m.element().child(SID, "origin-id");
        return o == null ? null : o.attr("id");
    }

    /** Which messages are kept: 1:1 chat and normal messages with content worth keeping (XEP-0313 §5.1, XEP-0334). */
    public static boolean archivable(Message m) {
        if (m.type() != Message.Type.CHAT && m.type() != Message.Type.NORMAL) {
            return false;
        }
        XmlElement e = m.element();
        if (e.hasChild(HINTS, "no-store") || e.hasChild(HINTS, "no-permanent-store")) {
            return false;
        }
        if (e.hasChild(HINTS, "store") || e.hasChild(Ns.CLIENT, "body")) {
            return true;
        }
        for (XmlNode n : e.children()) {
            if (n instanceof XmlElement c && PERSISTENT.contains(c.ns())) {
                return true;
            }
        }
        return false;
    }

    /** XEP-0424: a retraction replaces the retracted message in the owner's archive by a tombstone. */
    private void retractIfAsked(Jid owner, Jid with, Message m) {
        XmlElement r = m.element().child(RETRACT, "retract");
        if (r == null || r.attr("id") == null) {
            return;
        }
        String target = r.attr("id");
        archiver.flush();
        archive.findByOriginId(owner, with, target).ifPresentOrElse(found -> tombstone(owner, found, m), () -> {
            long sid = ArchiveIds.parse(target);
            if (sid >= 0) {
                archive.find(owner, sid).filter(a -> a.with().equals(with)).ifPresent(found -> tombstone(owner, found, m));
            }
        });
    }

    private void tombstone(Jid owner, ArchivedMessage found, Message retraction) {
        // Only the original sender may retract: outgoing messages by the owner, incoming by the peer.
        boolean retractedBySender = found.outgoing() == retraction.from().sameBare(owner);
        if (!retractedBySender) {
            LOG.info("Ignoring a retraction of message {} in {}'s archive by someone who did not send it", found.id(), owner);
            return;
        }
        XmlElement original = io.switchboard.xml.XmlFragments.parse(found.stanza());
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "message");
        for (var a : original.attrs()) {
            b.attr(a.name(), a.value());
        }
        b.child(XmlElement.builder(RETRACT, "retracted").attr("id", found.originId())
                .attr("stamp", DateTimeFormatter.ISO_INSTANT.format(clock.instant())).build());
        XmlElement sid = original.child(SID, "stanza-id");
        b.child(sid);
        archive.replace(owner, found.id(), XmlWriter.toXml(b.build()));
        LOG.debug("Message {} in the archive of {} retracted", found.id(), owner);
    }

    // ---------------------------------------------------------------- preferences

    public ArchivePreferences preferences(Jid owner) {
        return prefsCache.get(owner);
    }

    public void setPreferences(Jid owner, ArchivePreferences p) {
        prefsStore.put(owner, p);
        prefsCache.invalidate(owner);
        prefsCache.get(owner);
    }

    /** A session of {@code owner} ended: its cached preferences go with its last one here. */
    public void offline(Jid owner) {
        prefsCache.offline(owner);
    }

    private boolean allowed(Jid owner, Jid with) {
        ArchivePreferences p = preferences(owner);
        if (p.never().contains(with)) {
            return false;
        }
        if (p.always().contains(with)) {
            return true;
        }
        return switch (p.defaultMode()) {
            case "never" -> false;
            case "roster" -> {
                RosterItem i = rosterItem.apply(owner, with);
                yield i != null && i.visible();
            }
            default -> true;
        };
    }

    /** Removes archived messages older than the retention period. */
    public long purge(java.time.Duration retention) {
        Instant before = clock.instant().minus(retention);
        long n = archive.purgeBefore(before);
        if (n > 0) {
            LOG.info("Removed {} archived messages older than {}", n, before);
        }
        return n;
    }

    public void close() {
        archiver.close();
    }
}
