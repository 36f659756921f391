package io.switchboard.muc;

import io.switchboard.cluster.KeyOwnership;
import io.switchboard.cluster.NodeId;
import io.switchboard.cluster.NodeMessenger;
import io.switchboard.ext.mam.ArchiveIds;
import io.switchboard.ext.mam.Archiver;
import io.switchboard.handler.DiscoHandler;
import io.switchboard.jid.Jid;
import io.switchboard.routing.Component;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import io.switchboard.store.MucRoomRecord;
import io.switchboard.store.MucRoomStore;
import io.switchboard.store.StorageException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group chat service at {@code conference.<domain>}: a {@link Component} that hands each
 * stanza to its room's lane, creates and removes rooms, and answers for the service itself.
 * Occupants are addressed by full JID through the router, so they may be local or (later) remote.
 *
 * @implNote thread-safe: the room map is concurrent; a room is created, used and removed only on
 *           its lane.
 */
final class MucService implements Component {

    private static final Logger LOG = LoggerFactory.getLogger(MucService.class);

    /** The service's limits and defaults. */
    record Limits(int historySize, int maxMessageSize, int maxOccupants, int roomsPerUser, int joinsPerMinute,
                  int mamMaxPage, boolean localCreatorsOnly, boolean defaultLogging, boolean defaultPersistent,
                  int pendingRegistrations) {
    }

    private final String domain;
    private final String serverDomain;
    private final StanzaRouter router;
    private final MucRoomStore store;
    private final MessageArchive archive;
    /** Room messages are archived in batches off the room's lane; reads flush it first. */
    private final Archiver archiver;
    private final Clock clock;
    private final Limits limits;
    private final Lanes lanes;
    private final byte[] secret;
    private final ArchiveIds ids = new ArchiveIds(0);
    private final Placement placement;
    private final Map<Jid, Room> rooms = new ConcurrentHashMap<>();
    private final Map<Jid, Integer> createdBy = new ConcurrentHashMap<>();
    private final JoinRate joins;
    private final AtomicLong idCounter = new AtomicLong();

    /**
     * Where rooms live in a cluster: {@code ownership} names the node that owns a room (its key is
     * the room's bare JID); stanzas for a room owned elsewhere go to that node by {@code messenger}.
     */
    record Placement(KeyOwnership ownership, NodeId self, NodeMessenger messenger) {
    }

    MucService(String domain, String serverDomain, StanzaRouter router, MucRoomStore store, MessageArchive archive,
               Clock clock, Limits limits, int laneCount, byte[] secret, Placement placement) {
        this.placement = placement;
        this.domain = domain;
        this.serverDomain = serverDomain;
        this.router = router;
        this.store = store;
        this.archive = archive;
        this.archiver = new Archiver(archive, "muc-archive-writer");
        this.clock = clock;
        this.limits = limits;
        this.secret = secret.clone();
        this.joins = new JoinRate(limits.joinsPerMinute(), clock::millis);
        this.lanes = new Lanes(laneCount, 10_000, "muc-lane");
    }

    /** Loads persistent rooms (with their recent history when they keep an archive). */
    void load() {
        int elsewhere = 0;
        for (MucRoomRecord r : store.list(domain)) {
            if (!isLocal(r.room())) {
                elsewhere++;
                continue;
            }
            Room room = Room.restore(this, r);
            if (room.config().logging()) {
                ArchivePage page = archive.query(new ArchiveQuery(r.room(), null, null, null, null, null, null,
                        limits.historySize(), true));
                room.loadHistory(page.messages());
            }
            rooms.put(r.room(), room);
        }
        LOG.info("Group chat service {} with {} persistent rooms, {} lanes", domain, rooms.size(), lanes.size());
        if (elsewhere > 0) {
            LOG.info("{} more persistent rooms of {} are owned by other cluster nodes", elsewhere, domain);
        }
    }

    void stop() {
        lanes.shutdown();
        archiver.close();
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public void receive(Stanza stanza) {
        dispatch(stanza, null);
    }

    /**
     * A stanza for a room that another node forwarded, believing this node owns the room. It is
     * never forwarded again: when this node disagrees (ownership is moving), the sender is told to
     * try later.
     */
    @Override
    public void fromNode(NodeId node, Stanza stanza) {
        dispatch(stanza, node);
    }

    /** @param forwardedBy the node that forwarded the stanza, or null when it arrived here first */
    private void dispatch(Stanza stanza, NodeId forwardedBy) {
        Jid to = stanza.to();
        if (stanza.from() == null) {
            return;
        }
        if (!to.hasLocal()) {
            serviceStanza(stanza);
            return;
        }
        Jid room = to.bare();
        NodeId owner = ownerOf(room);
        if (!owner.equals(placement.self())) {
            if (forwardedBy == null) {
                forward(owner, room, stanza);
            } else {
                LOG.warn("Node {} forwarded a stanza for room {}, which node {} owns in this node's view; refusing it",
                        forwardedBy, room, owner);
                bounce(stanza, StanzaError.resourceConstraint("the room is moving between cluster nodes; try again"));
            }
            return;
        }
        run(room, stanza);
    }

    /** The node that owns a room (the key is its bare JID). */
    NodeId ownerOf(Jid room) {
        return placement.ownership().ownerOf(room.bare().toString());
    }

    boolean isLocal(Jid room) {
        return ownerOf(room).equals(placement.self());
    }

    /** To the room's node, which runs it; if that node cannot be reached, the sender learns it. */
    private void forward(NodeId owner, Jid room, Stanza stanza) {
        try {
            placement.messenger().send(owner, XmlWriter.toXml(stanza.element()).getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.warn("Room {} is owned by cluster node {}, which cannot be reached: {}", room, owner, e.getMessage());
            bounce(stanza, StanzaError.remoteServerTimeout("the node that hosts this room cannot be reached"));
        }
    }

    private void run(Jid room, Stanza stanza) {
        if (!lanes.execute(room, () -> dispatch(room, stanza))) {
            LOG.warn("Group chat lane of {} is full; refusing a stanza from {}", room, stanza.from());
            bounce(stanza, StanzaError.resourceConstraint("the service is overloaded"));
        }
    }

    private void dispatch(Jid roomJid, Stanza s) {
        try {
            Room room = rooms.get(roomJid);
            if (s instanceof Presence p) {
                if (room == null) {
                    if (p.type() == Presence.Type.AVAILABLE && p.to().hasResource()) {
                        create(roomJid, p);
                    } else if (p.type() == Presence.Type.AVAILABLE) {
                        bounce(p, StanzaError.jidMalformed("a nickname is required"));
                    }
                    return;
                }
                room.presence(p);
            } else if (s instanceof Message m) {
                if (room == null) {
                    bounce(m, StanzaError.itemNotFound("no such room"));
                } else {
                    room.message(m);
                }
            } else if (s instanceof Iq iq) {
                if (room == null) {
                    if (iq.type().isRequest()) {
                        bounce(iq, StanzaError.itemNotFound("no such room"));
                    }
                    return;
                }
                try {
                    room.iq(iq);
                } catch (StanzaException e) {
                    bounce(iq, e.error());
                }
            }
        } catch (StorageException e) {
            LOG.error("Storage failed in room {}: {}", roomJid, e.getMessage());
            bounce(s, StanzaError.internalServerError(null));
        } catch (RuntimeException e) {
            LOG.error("Failed to handle a stanza for room {}", roomJid, e);
            bounce(s, StanzaError.internalServerError(null));
        }
    }

    /** §10.1: the first presence to a room that does not exist creates it, locked until configured. */
    private void create(Jid roomJid, Presence p) {
        Jid creator = p.from().bare();
        if (limits.localCreatorsOnly() && !serverDomain.equals(creator.domain())) {
            bounce(p, StanzaError.notAllowed("only users of " + serverDomain + " may create rooms"));
            return;
        }
        int owned = createdBy.getOrDefault(creator, 0);
        if (owned >= limits.roomsPerUser()) {
            bounce(p, StanzaError.notAllowed("you created too many rooms"));
            return;
        }
        boolean instant = p.element().child(Room.MUC, "x") == null;
        Room room = new Room(this, roomJid, RoomConfig.defaults(limits.defaultPersistent(), limits.defaultLogging()),
                creator, clock.instant(), !instant);
        room.setOwner(creator);
        rooms.put(roomJid, room);
        createdBy.merge(creator, 1, Integer::sum);
        room.join(p, true);
        if (room.isEmpty()) {
            // The join was refused (join rate): the room goes again.
            destroyed(room);
        } else if (instant) {
            configured(room, null);
        }
        LOG.info("Room {} created by {}", roomJid, creator);
    }

    // ------------------------------------------------------------------------------- for rooms

    void send(Stanza s) {
        router.route(s);
    }

    void bounce(Stanza s, StanzaError error) {
        router.bounce(s, error);
    }

    Instant now() {
        return clock.instant();
    }

    String newId() {
        return "muc-" + Long.toString(idCounter.incrementAndGet(), 36);
    }

    long nextArchiveId() {
        return ids.next(clock.instant());
    }

    int historySize() {
        return limits.historySize();
    }

    int pendingRegistrations() {
        return limits.pendingRegistrations();
    }

    int maxMessageSize() {
        return limits.maxMessageSize();
    }

    int maxOccupants() {
        return limits.maxOccupants();
    }

    int mamMaxPage() {
        return limits.mamMaxPage();
    }

    /** XEP-0421: stable per room and real bare JID, opaque to others (keyed by the server's secret). */
    String occupantId(Jid room, Jid real) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] h = mac.doFinal((room.bare() + " " + real.bare()).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 15));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Counts a join of a user (bare JID) against its joins per minute; false when it has none left. */
    boolean admitJoin(Jid user) {
        if (joins.admit(user)) {
            return true;
        }
        LOG.info("Join rate of {} exceeded ({} per minute)", user, limits.joinsPerMinute());
        return false;
    }

    void archive(ArchivedMessage m) {
        archiver.add(m);
    }

    ArchivePage queryArchive(ArchiveQuery q) {
        archiver.flush();
        return archive.query(q);
    }

    Optional<ArchivedMessage> findArchived(Jid room, long id) {
        archiver.flush();
        return archive.find(room, id);
    }

    void replaceArchived(Jid room, long id, String stanza) {
        archiver.flush();
        archive.replace(room, id, stanza);
    }

    /** Saves a persistent room's record. */
    void persist(Room room) {
        if (room.config().persistent() && !room.isLocked()) {
            store.save(room.record());
        }
    }

    /** After a configuration was submitted ({@code old} null for an instant room). */
    void configured(Room room, RoomConfig old) {
        saveConfiguration(room, old);
        roomMaybeEmpty(room);
    }

    /** Stores a room whose configuration was submitted, or forgets it when it is no longer persistent. */
    void saveConfiguration(Room room, RoomConfig old) {
        if (room.config().persistent()) {
            store.save(room.record());
        } else if (old != null && old.persistent()) {
            store.delete(room.jid);
        }
    }

    /** A temporary room goes when its last occupant leaves (§10.1). */
    void roomMaybeEmpty(Room room) {
        if (room.isEmpty() && (!room.config().persistent() || room.isLocked())) {
            destroyed(room);
        }
    }

    void destroyed(Room room) {
        if (rooms.remove(room.jid, room)) {
            if (room.config().persistent()) {
                // A temporary room was never stored (saveConfiguration deletes a room made temporary).
                store.delete(room.jid);
            }
            if (room.creator() != null) {
                createdBy.computeIfPresent(room.creator(), (k, v) -> v <= 1 ? null : v - 1);
            }
        }
    }

    // ------------------------------------------------------------------------------- the service

    private void serviceStanza(Stanza s) {
        if (!(s instanceof Iq iq)) {
            if (s instanceof Message m && m.type() != Message.Type.ERROR && m.type() != Message.Type.HEADLINE) {
                bounce(m, StanzaError.serviceUnavailable("address a room"));
            }
            return;
        }
        if (!iq.type().isRequest()) {
            return;
        }
        XmlElement q = iq.payload();
        if (q == null) {
            bounce(iq, StanzaError.badRequest(null));
            return;
        }
        boolean get = iq.type() == Iq.Type.GET;
        if (get && q.is(Ns.DISCO_INFO, "query") && q.attr("node") == null) {
            XmlElement.Builder r = XmlElement.builder(Ns.DISCO_INFO, "query");
            r.child(XmlElement.builder(Ns.DISCO_INFO, "identity").attr("category", "conference").attr("type", "text")
                    .attr("name", "Group chat").build());
            for (String f : List.of(Room.MUC, Ns.DISCO_INFO, Ns.DISCO_ITEMS, Ns.PING, Room.OCCUPANT_ID,
                    "http://jabber.org/protocol/muc#unique", Room.MODERATE, io.switchboard.ext.mam.ArchiveService.MAM)) {
                r.child(XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", f).build());
            }
            send(iq.result(r.build()));
        } else if (get && q.is(Ns.DISCO_ITEMS, "query") && q.attr("node") == null) {
            XmlElement.Builder r = XmlElement.builder(Ns.DISCO_ITEMS, "query");
            for (Room room : publicRooms()) {
                String name = room.config().name();
                r.child(XmlElement.builder(Ns.DISCO_ITEMS, "item").attr("jid", room.jid.toString())
                        .attr("name", name.isEmpty() ? room.jid.local() : name).build());
            }
            send(iq.result(r.build()));
        } else if (get && q.is(Ns.PING, "ping")) {
            send(iq.result());
        } else if (get && q.is("http://jabber.org/protocol/muc#unique", "unique")) {
            String name = Long.toString(System.nanoTime(), 36) + "-" + newId().substring(4);
            send(iq.result(XmlElement.builder("http://jabber.org/protocol/muc#unique", "unique").text(name).build()));
        } else {
            bounce(iq, StanzaError.serviceUnavailable(null));
        }
    }

    /** Public, configured rooms, by JID (read from any thread: configuration is immutable). */
    List<Room> publicRooms() {
        List<Room> out = new ArrayList<>();
        for (Room r : rooms.values()) {
            if (r.config().publicRoom() && !r.isLocked()) {
                out.add(r);
            }
        }
        out.sort(java.util.Comparator.comparing(r -> r.jid));
        return out;
    }

    /** The service for the server's disco#items. */
    DiscoHandler.Item item() {
        return new DiscoHandler.Item(Jid.domain(domain), "Group chat", null);
    }

    int roomCount() {
        return rooms.size();
    }
}
