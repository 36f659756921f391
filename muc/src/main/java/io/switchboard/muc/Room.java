package io.switchboard.muc;

import io.switchboard.ext.mam.ArchiveService;
import io.switchboard.ext.mam.MamQueries;
import io.switchboard.form.DataForm;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MucRoomRecord;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlNode;
import io.switchboard.xml.XmlWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room and its XEP-0045 logic. Every method runs on the room's lane of {@link MucService}, so
 * the state needs no locks; only {@link #config} and {@link #occupantCount} are read from other
 * threads (disco of the service), and they are immutable or volatile.
 */
final class Room {

    private static final Logger LOG = LoggerFactory.getLogger(Room.class);

    static final String MUC = "http://jabber.org/protocol/muc";
    static final String USER = MUC + "#user";
    static final String ADMIN = MUC + "#admin";
    static final String OWNER = MUC + "#owner";
    static final String REQUEST = MUC + "#request";
    static final String ROOMINFO = MUC + "#roominfo";
    static final String REGISTER_FORM = MUC + "#register";
    /** §7.12: the disco#info node that tells a user its registered nick. */
    static final String ROOMUSER_NODE = "x-roomuser-item";
    static final String OCCUPANT_ID = "urn:xmpp:occupant-id:0";
    static final String RETRACT = "urn:xmpp:message-retract:1";
    static final String MODERATE = "urn:xmpp:message-moderate:1";

    private record HistoryEntry(XmlElement message, Instant at, int chars, long id) {
    }

    /** A registration request (§9.9): who asked (the full JID, to tell the outcome) and for which nick. */
    private record PendingRegistration(Jid requester, String nick) {
    }

    final Jid jid;
    private final MucService service;
    private volatile RoomConfig config;
    private volatile int occupantCount;
    private final Map<Jid, Affiliation> affiliations = new HashMap<>();
    /** Registered nicks (§7.10), by bare JID, and who holds each, by {@link MucRoomRecord#nickKey}. */
    private final Map<Jid, String> registered = new HashMap<>();
    private final Map<String, Jid> reservedBy = new HashMap<>();
    /**
     * §9.9: registrations awaiting an admin's decision, by the requester's bare JID, oldest first;
     * at most {@link MucService#pendingRegistrations()}; kept in memory only (lost at a restart).
     */
    private final Map<Jid, PendingRegistration> pendingRegistrations = new LinkedHashMap<>();
    /** Whether the log already says that the requests are at their bound (once until one is decided). */
    private boolean pendingFullLogged;
    private final Map<String, Occupant> byNick = new LinkedHashMap<>();
    private final Map<Jid, Occupant> byReal = new HashMap<>();
    private final ArrayDeque<HistoryEntry> history = new ArrayDeque<>();
    private volatile boolean locked;
    private String subject;
    private String subjectBy;
    /** The room JID of {@link #subjectBy}, built when first needed (null: not yet, or no subjectBy). */
    private Jid subjectFrom;
    private final Instant created;
    private final Jid creator;

    Room(MucService service, Jid jid, RoomConfig config, Jid creator, Instant created, boolean locked) {
        this.service = service;
        this.jid = jid;
        this.config = config;
        this.creator = creator;
        this.created = created;
        this.locked = locked;
    }

    static Room restore(MucService service, MucRoomRecord r) {
        Room room = new Room(service, r.room(), RoomConfig.fromMap(r.config()), null, r.created(), false);
        for (Map.Entry<Jid, String> e : r.affiliations().entrySet()) {
            Affiliation a = Affiliation.parse(e.getValue());
            if (a != null && a != Affiliation.NONE) {
                room.affiliations.put(e.getKey(), a);
            }
        }
        for (Map.Entry<Jid, String> e : r.nicks().entrySet()) {
            room.reserve(e.getKey().bare(), e.getValue());
        }
        room.subject = r.subject();
        room.subjectBy = r.subjectBy();
        return room;
    }

    RoomConfig config() {
        return config;
    }

    void setOwner(Jid bare) {
        affiliations.put(bare.bare(), Affiliation.OWNER);
    }

    int occupantCount() {
        return occupantCount;
    }

    boolean isLocked() {
        return locked;
    }

    Jid creator() {
        return creator;
    }

    boolean isEmpty() {
        return byNick.isEmpty();
    }

    Affiliation affiliation(Jid real) {
        return affiliations.getOrDefault(real.bare(), Affiliation.NONE);
    }

    MucRoomRecord record() {
        Map<Jid, String> affs = new LinkedHashMap<>();
        affiliations.forEach((k, v) -> affs.put(k, v.wire()));
        return new MucRoomRecord(jid, config.toMap(), affs, subject, subjectBy, created, registered);
    }

    private void reserve(Jid bare, String nick) {
        String old = registered.put(bare, nick);
        if (old != null) {
            reservedBy.remove(MucRoomRecord.nickKey(old));
        }
        reservedBy.put(MucRoomRecord.nickKey(nick), bare);
    }

    /** @return whether the user had a registered nick */
    private boolean unreserve(Jid bare) {
        String old = registered.remove(bare);
        if (old != null) {
            reservedBy.remove(MucRoomRecord.nickKey(old));
        }
        return old != null;
    }

    /** The user that registered this nick (or one equal to it), other than {@code user}; null if none. */
    private Jid reservedByOther(String nick, Jid user) {
        Jid holder = reservedBy.get(MucRoomRecord.nickKey(nick));
        return holder == null || holder.equals(user.bare()) ? null : holder;
    }

    /** Loads the newest archived messages as join history (after a restart). */
    void loadHistory(List<ArchivedMessage> messages) {
        for (ArchivedMessage a : messages) {
            try {
                XmlElement e = XmlFragments.parse(a.stanza());
                if (e.hasChild(Ns.CLIENT, "body")) {
                    addHistory(new HistoryEntry(e, a.at(), a.stanza().length(), a.id()));
                }
            } catch (IllegalArgumentException ex) {
                LOG.debug("Unreadable archived message {} of {}", a.id(), jid);
            }
        }
    }

    private Jid nickJid(String nick) {
        return jid.withResource(nick);
    }

    // ------------------------------------------------------------------------------------ presence

    void presence(Presence p) {
        Jid from = p.from();
        Occupant o = byReal.get(from);
        switch (p.type()) {
            case ERROR -> {
                if (o != null && occupantGone(p)) {
                    remove(o, List.of(333), null, null, "kicked: an error from the occupant's client");
                }
            }
            case UNAVAILABLE -> {
                if (o != null && !o.moreSessions.isEmpty()) {
                    detachSession(o, from, p);
                } else if (o != null) {
                    leave(o, p);
                }
            }
            case AVAILABLE -> {
                if (!p.to().hasResource()) {
                    service.bounce(p, StanzaError.jidMalformed("a nickname is required"));
                } else if (o == null) {
                    join(p, false);
                } else if (o.nick.equals(p.to().resource())) {
                    o.presence = presenceChildren(p);
                    XmlElement mucX = p.element().child(MUC, "x");
                    if (mucX != null) {
                        // A client that lost track of its state joins again: it gets the whole join sequence.
                        sendOccupants(from, config.whoisAnyone() || o.role == Role.MODERATOR, o);
                    }
                    broadcastPresence(o, mucX == null ? List.of() : joinCodes(false), null, null);
                    if (mucX != null) {
                        sendHistory(from, mucX.child(MUC, "history"));
                        sendSubject(from);
                    }
                } else {
                    changeNick(o, p);
                }
            }
            default -> service.bounce(p, StanzaError.badRequest("rooms do not take subscriptions"));
        }
    }

    /** A join (§7.2). {@code created}: the room was just made for this user (§10.1). */
    void join(Presence p, boolean createdNow) {
        Jid real = p.from();
        String nick = p.to().resource();
        Affiliation aff = affiliation(real);
        XmlElement mucX = p.element().child(MUC, "x");
        if (locked && aff != Affiliation.OWNER) {
            service.bounce(p, StanzaError.itemNotFound("the room is not configured yet"));
            return;
        }
        if (aff == Affiliation.OUTCAST) {
            service.bounce(p, StanzaError.forbidden("you are banned from this room"));
            return;
        }
        RoomConfig c = config;
        if (c.membersOnly() && !aff.atLeast(Affiliation.MEMBER)) {
            service.bounce(p, StanzaError.registrationRequired("this room is for members only"));
            return;
        }
        Occupant holder = byNick.get(nick);
        if (holder != null && !holder.real.sameBare(real)) {
            service.bounce(p, StanzaError.conflict("that nickname is taken"));
            return;
        }
        if (reservedByOther(nick, real) != null) {
            // §7.10: a registered nick is reserved for the user that registered it.
            service.bounce(p, StanzaError.conflict("that nickname is registered by another user"));
            return;
        }
        if (c.passwordProtected()) {
            String given = mucX == null ? null : mucX.childText(MUC, "password");
            if (given == null || !given.equals(c.password())) {
                service.bounce(p, StanzaError.notAuthorized("a password is required"));
                return;
            }
        }
        int max = c.maxUsers() == 0 ? service.maxOccupants() : Math.min(c.maxUsers(), service.maxOccupants());
        if (byNick.size() >= max && !aff.atLeast(Affiliation.ADMIN)) {
            service.bounce(p, StanzaError.serviceUnavailable("the room is full"));
            return;
        }
        if (!service.admitJoin(real.bare())) {
            service.bounce(p, StanzaError.policyViolation("too many joins, try again later")
                    .withText("too many joins, try again later"));
            return;
        }
        Role role = aff.atLeast(Affiliation.ADMIN) ? Role.MODERATOR
                : c.moderated() && aff == Affiliation.NONE ? Role.VISITOR : Role.PARTICIPANT;
        if (holder != null) {
            attachSession(holder, real, mucX);
            return;
        }
        // The presence's 'to' is the occupant's room JID, already canonical (its resource is the nick).
        Occupant o = new Occupant(real, p.to(), role, service.occupantId(jid, real), presenceChildren(p));
        // §7.2.3: existing occupants' presence first.
        sendOccupants(real, c.whoisAnyone() || role == Role.MODERATOR, null);
        byNick.put(nick, o);
        byReal.put(real, o);
        occupantCount = byNick.size();
        broadcastPresence(o, joinCodes(createdNow), null, null);
        if (mucX != null || !createdNow) {
            sendHistory(real, mucX == null ? null : mucX.child(MUC, "history"));
        }
        sendSubject(real);
        LOG.debug("{} joined {} as {}", real, jid, nick);
    }

    /**
     * Another session of an occupant's user joins under the same nick: it gets the room's state
     * and its own self-presence; the others see no change.
     */
    private void attachSession(Occupant o, Jid session, XmlElement mucX) {
        o.moreSessions.add(session);
        byReal.put(session, o);
        sendOccupants(session, config.whoisAnyone() || o.role == Role.MODERATOR, o);
        List<Integer> codes = new ArrayList<>(joinCodes(false));
        service.send(occupantPresence(o, true, true, codes, null, null, null).withTo(session));
        sendHistory(session, mucX == null ? null : mucX.child(MUC, "history"));
        sendSubject(session);
        LOG.debug("{} joined {} as {} (another session)", session, jid, o.nick);
    }

    /** One of several sessions leaves: only that session is told. */
    private void detachSession(Occupant o, Jid session, Presence p) {
        byReal.remove(session);
        if (o.real.equals(session)) {
            o.real = o.moreSessions.remove(0);
        } else {
            o.moreSessions.remove(session);
        }
        // The cached presences may name the session that left.
        o.viewWithJid = null;
        o.viewAnonymous = null;
        Presence self = occupantPresence(o, true, true, List.of(), null, null, null, null, true);
        service.send(self.withTo(session));
    }

    private List<Integer> joinCodes(boolean createdNow) {
        List<Integer> selfCodes = new ArrayList<>();
        if (config.whoisAnyone()) {
            selfCodes.add(100);
        }
        if (config.logging()) {
            selfCodes.add(170);
        }
        if (createdNow) {
            selfCodes.add(201);
        }
        return selfCodes;
    }

    /** The presence of every occupant but {@code except}, as {@code real} may see it. */
    private void sendOccupants(Jid real, boolean seesJids, Occupant except) {
        for (Occupant other : byNick.values()) {
            if (other == except || !other.announced) {
                continue;
            }
            Presence pr = seesJids ? other.viewWithJid : other.viewAnonymous;
            if (pr == null) {
                pr = occupantPresence(other, false, seesJids, List.of(), null, null, null);
            }
            service.send(pr.withTo(real));
        }
    }

    /** Who the subject is from: the room, or the room JID of the occupant that set it. */
    private Jid subjectFrom() {
        if (subjectBy == null) {
            return jid;
        }
        if (subjectFrom == null) {
            subjectFrom = nickJid(subjectBy);
        }
        return subjectFrom;
    }

    /** §7.2.15: the subject, even when empty, marks the end of the history. */
    private void sendSubject(Jid real) {
        XmlElement.Builder s = XmlElement.builder(Ns.CLIENT, "message").attr("type", "groupchat")
                .attr("from", subjectFrom().toString())
                .attr("to", real.toString()).attr("id", service.newId());
        s.child(XmlElement.builder(Ns.CLIENT, "subject").text(subject == null ? "" : subject).build());
        service.send(Stanza.trusted(s.build()));
    }

    /**
     * Errors that mean the occupant's client is not there any more (XEP-0045 §18.5.2; our router
     * answers service-unavailable for a resource that went away). Others (a client refusing a
     * private message) leave the occupant in the room.
     */
    private static boolean occupantGone(Stanza error) {
        StanzaError e = StanzaError.fromStanza(error.element());
        return e != null && java.util.Set.of("gone", "item-not-found", "recipient-unavailable", "redirect",
                "remote-server-not-found", "remote-server-timeout", "service-unavailable").contains(e.condition());
    }

    private static List<XmlNode> presenceChildren(Presence p) {
        List<XmlNode> out = new ArrayList<>();
        for (XmlNode n : p.element().children()) {
            if (n instanceof XmlElement e && !e.ns().equals(MUC) && !e.ns().equals(USER)
                    && !e.ns().equals(OCCUPANT_ID) && !e.is(Ns.CLIENT, "error")) {
                out.add(e);
            }
        }
        return out;
    }

    private void leave(Occupant o, Presence p) {
        List<XmlNode> children = new ArrayList<>();
        for (XmlNode n : presenceChildren(p)) {
            if (n instanceof XmlElement e && e.is(Ns.CLIENT, "status")) {
                children.add(e);
            }
        }
        o.presence = children;
        removeOccupant(o);
        sendUnavailable(o, List.of(), null, null, null, null);
        service.roomMaybeEmpty(this);
    }

    private void changeNick(Occupant o, Presence p) {
        String newNick = p.to().resource();
        if (byNick.containsKey(newNick)) {
            service.bounce(p, StanzaError.conflict("that nickname is taken"));
            return;
        }
        if (reservedByOther(newNick, o.real) != null) {
            service.bounce(p, StanzaError.conflict("that nickname is registered by another user"));
            return;
        }
        // §7.6: unavailable from the old nick with 303 and the new nick, then available from the new one.
        sendUnavailable(o, List.of(303), newNick, null, null, null);
        byNick.remove(o.nick);
        o.renamed(p.to());
        o.presence = presenceChildren(p);
        byNick.put(newNick, o);
        broadcastPresence(o, List.of(), null, null);
    }

    private void removeOccupant(Occupant o) {
        byNick.remove(o.nick);
        for (Jid session : o.sessions()) {
            byReal.remove(session);
        }
        occupantCount = byNick.size();
    }

    /** Removes an occupant for a reason (kick 307, ban 301, affiliation 321, members-only 322, error 333). */
    private void remove(Occupant o, List<Integer> codes, String actorNick, String reason, String log) {
        o.role = Role.NONE;
        removeOccupant(o);
        o.presence = List.of();
        sendUnavailable(o, codes, null, actorNick, reason, null);
        LOG.info("{} removed from {}: {}", o.real, jid, log);
        service.roomMaybeEmpty(this);
    }

    /** Unavailable presence of {@code o} to itself and every remaining occupant. */
    private void sendUnavailable(Occupant o, List<Integer> codes, String newNick, String actorNick, String reason,
                                 XmlElement destroy) {
        Role shownRole = newNick == null ? Role.NONE : o.role;
        Role saved = o.role;
        o.role = shownRole;
        Presence self = occupantPresence(o, true, true, codes, newNick, actorNick, reason, destroy, true);
        Presence withJid = occupantPresence(o, false, true, codes, newNick, actorNick, reason, destroy, true);
        Presence anon = occupantPresence(o, false, false, codes, newNick, actorNick, reason, destroy, true);
        o.role = saved;
        sendAll(o, self);
        if (o.announced) {
            for (Occupant other : byNick.values()) {
                if (other != o) {
                    sendAll(other, seesJids(other) ? withJid : anon);
                }
            }
        }
        if (newNick == null) {
            o.announced = false;
        }
    }

    /** Whether the others see this occupant: its role is one whose presence the room broadcasts. */
    private boolean broadcastable(Occupant o) {
        return config.presenceBroadcast().contains(o.role);
    }

    /**
     * The others' view of an occupant after its role or the room's {@code presencebroadcast}
     * changed: announced when it became broadcastable, gone (unavailable) when it stopped being.
     */
    private void reannounce(Occupant o) {
        boolean show = broadcastable(o);
        if (show == o.announced) {
            return;
        }
        if (show) {
            o.announced = true;
            Presence withJid = occupantPresence(o, false, true, List.of(), null, null, null);
            Presence anon = occupantPresence(o, false, false, List.of(), null, null, null);
            toOthers(o, withJid, anon);
        } else {
            Role saved = o.role;
            o.role = Role.NONE;
            Presence withJid = occupantPresence(o, false, true, List.of(), null, null, null, null, true);
            Presence anon = occupantPresence(o, false, false, List.of(), null, null, null, null, true);
            o.role = saved;
            toOthers(o, withJid, anon);
            o.announced = false;
        }
    }

    private void toOthers(Occupant o, Presence withJid, Presence anon) {
        for (Occupant other : byNick.values()) {
            if (other != o) {
                sendAll(other, seesJids(other) ? withJid : anon);
            }
        }
    }

    /** To every session of an occupant (copies share the children). */
    private void sendAll(Occupant o, Stanza s) {
        service.send(s.withTo(o.real));
        for (Jid more : o.moreSessions) {
            service.send(s.withTo(more));
        }
    }

    private boolean seesJids(Occupant receiver) {
        return config.whoisAnyone() || receiver.role == Role.MODERATOR;
    }

    /** Available presence of {@code o} to everyone, itself with 110 and {@code selfCodes}. */
    private void broadcastPresence(Occupant o, List<Integer> selfCodes, String actorNick, String reason) {
        List<Integer> self = new ArrayList<>(selfCodes);
        Presence mine = occupantPresence(o, true, true, self, null, actorNick, reason);
        Presence withJid = occupantPresence(o, false, true, List.of(), null, actorNick, reason);
        Presence anon = occupantPresence(o, false, false, List.of(), null, actorNick, reason);
        boolean plain = actorNick == null && reason == null;
        o.viewWithJid = plain ? withJid : null;
        o.viewAnonymous = plain ? anon : null;
        if (broadcastable(o)) {
            o.announced = true;
            toOthers(o, withJid, anon);
        } else {
            // muc#roomconfig_presencebroadcast: the others are not told (and lose sight of it if they had it).
            reannounce(o);
        }
        sendAll(o, mine);
    }

    private Presence occupantPresence(Occupant o, boolean self, boolean withJid, List<Integer> codes, String newNick,
                                      String actorNick, String reason) {
        return occupantPresence(o, self, withJid, codes, newNick, actorNick, reason, null, false);
    }

    /** Built once per audience; {@code withTo} per recipient shares the children. */
    private Presence occupantPresence(Occupant o, boolean self, boolean withJid, List<Integer> codes, String newNick,
                                      String actorNick, String reason, XmlElement destroy, boolean unavailable) {
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "presence").attr("from", o.roomJid.toString());
        if (unavailable) {
            b.attr("type", "unavailable");
        }
        b.children(o.presence);
        XmlElement.Builder x = XmlElement.builder(USER, "x");
        XmlElement.Builder item = XmlElement.builder(USER, "item")
                .attr("affiliation", affiliation(o.real).wire()).attr("role", o.role.wire());
        if (withJid) {
            item.attr("jid", o.real.toString());
        }
        item.attr("nick", newNick);
        if (actorNick != null) {
            item.child(XmlElement.builder(USER, "actor").attr("nick", actorNick).build());
        }
        if (reason != null) {
            item.textChild(USER, "reason", reason);
        }
        x.child(item.build());
        if (destroy != null) {
            x.child(destroy);
        }
        if (self) {
            x.child(status(110));
        }
        for (int c : codes) {
            x.child(status(c));
        }
        b.child(x.build());
        b.child(XmlElement.builder(OCCUPANT_ID, "occupant-id").attr("id", o.occupantId).build());
        return (Presence) Stanza.trusted(b.build());
    }

    private static XmlElement status(int code) {
        return XmlElement.builder(USER, "status").attr("code", Integer.toString(code)).build();
    }

    // ------------------------------------------------------------------------------------ history

    private void addHistory(HistoryEntry e) {
        history.addLast(e);
        while (history.size() > service.historySize()) {
            history.pollFirst();
        }
    }

    /** §7.2.14: the history the joiner asked for, within the server's cap. */
    private void sendHistory(Jid real, XmlElement h) {
        int maxStanzas = service.historySize();
        long maxChars = Long.MAX_VALUE;
        Instant since = null;
        if (h != null) {
            maxStanzas = Math.min(maxStanzas, intAttr(h, "maxstanzas", maxStanzas));
            maxChars = intAttr(h, "maxchars", Integer.MAX_VALUE);
            int seconds = intAttr(h, "seconds", -1);
            if (seconds >= 0) {
                since = service.now().minus(Duration.ofSeconds(seconds));
            }
            String s = h.attr("since");
            if (s != null) {
                try {
                    Instant t = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
                    since = since == null || t.isAfter(since) ? t : since;
                } catch (DateTimeParseException e) {
                    LOG.debug("Ignoring a malformed history 'since' from {}", real);
                }
            }
        }
        List<HistoryEntry> picked = new ArrayList<>();
        long chars = 0;
        var it = history.descendingIterator();
        while (it.hasNext() && picked.size() < maxStanzas) {
            HistoryEntry e = it.next();
            if (since != null && e.at().isBefore(since)) {
                break;
            }
            if (chars + e.chars() > maxChars) {
                break;
            }
            chars += e.chars();
            picked.add(e);
        }
        for (int i = picked.size() - 1; i >= 0; i--) {
            HistoryEntry e = picked.get(i);
            XmlElement m = e.message().withAttr("to", real.toString())
                    .withChild(XmlElement.builder(Ns.DELAY, "delay").attr("from", jid.toString())
                            .attr("stamp", MamQueries.stamp(e.at())).build());
            service.send(Stanza.trusted(m));
        }
    }

    private static int intAttr(XmlElement e, String name, int def) {
        String v = e.attr(name);
        if (v == null) {
            return def;
        }
        try {
            return Math.max(0, Integer.parseInt(v.trim()));
        } catch (NumberFormatException ex) {
            return def;
        }
    }

    // ------------------------------------------------------------------------------------ messages

    void message(Message m) {
        Jid from = m.from();
        Occupant o = byReal.get(from);
        if (m.type() == Message.Type.ERROR) {
            if (o != null && occupantGone(m)) {
                remove(o, List.of(333), null, null, "kicked: a message to the occupant bounced");
            }
            return;
        }
        if (m.to().hasResource()) {
            privateMessage(o, m);
            return;
        }
        if (m.type() != Message.Type.GROUPCHAT) {
            roomMessage(o, m);
            return;
        }
        if (o == null) {
            service.bounce(m, StanzaError.notAcceptable("only occupants may send messages to the room"));
            return;
        }
        if (XmlWriter.c2sBytes(m.element()).length > service.maxMessageSize()) {
            service.bounce(m, StanzaError.policyViolation("the message is too large"));
            return;
        }
        XmlElement subj = m.element().child(Ns.CLIENT, "subject");
        boolean isSubjectChange = subj != null && !m.hasBody();
        if (o.role == Role.VISITOR || o.role == Role.NONE) {
            service.bounce(m, StanzaError.forbidden("visitors may not speak in a moderated room"));
            return;
        }
        if (isSubjectChange) {
            if (!config.changeSubject() && o.role != Role.MODERATOR) {
                service.bounce(m, StanzaError.forbidden("only moderators may change the subject"));
                return;
            }
            subject = subj.text();
            subjectBy = o.nick;
            subjectFrom = o.roomJid;
            service.persist(this);
        }
        long id = service.nextArchiveId();
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "message").attr("from", o.roomJid.toString())
                .attr("type", "groupchat").attr("id", m.id());
        String lang = m.lang();
        if (lang != null) {
            b.attr(io.switchboard.xml.XmlName.of(Ns.XML, "lang"), lang);
        }
        for (XmlNode n : m.element().children()) {
            if (n instanceof XmlElement e && (e.is(ArchiveService.SID, "stanza-id") || e.ns().equals(OCCUPANT_ID))) {
                continue;
            }
            b.child(n);
        }
        b.child(XmlElement.builder(OCCUPANT_ID, "occupant-id").attr("id", o.occupantId).build());
        b.child(XmlElement.builder(ArchiveService.SID, "stanza-id").attr("id", io.switchboard.ext.mam.ArchiveIds.format(id))
                .attr("by", jid.toString()).build());
        XmlElement built = b.build();
        broadcast(built);
        Instant at = io.switchboard.ext.mam.ArchiveIds.time(id);
        if (m.hasBody()) {
            String xml = XmlWriter.toXml(built);
            addHistory(new HistoryEntry(built, at, xml.length(), id));
            if (config.logging()) {
                XmlElement origin = m.element().child(ArchiveService.SID, "origin-id");
                service.archive(new ArchivedMessage(jid, id, o.roomJid, false, at,
                        origin == null ? null : origin.attr("id"), xml));
            }
        }
    }

    /** The same element, addressed to each occupant: children and their bytes are shared. */
    private void broadcast(XmlElement built) {
        Message base = (Message) Stanza.trusted(built);
        for (Occupant other : byNick.values()) {
            sendAll(other, base);
        }
    }

    private void privateMessage(Occupant o, Message m) {
        if (o == null) {
            service.bounce(m, StanzaError.notAcceptable("only occupants may send private messages"));
            return;
        }
        Occupant target = byNick.get(m.to().resource());
        if (target == null) {
            service.bounce(m, StanzaError.itemNotFound("no such occupant"));
            return;
        }
        boolean allowed = switch (config.allowPm()) {
            case "anyone" -> true;
            case "participants" -> o.role.rank() >= Role.PARTICIPANT.rank();
            case "moderators" -> o.role == Role.MODERATOR;
            default -> false;
        };
        if (!allowed || m.type() == Message.Type.GROUPCHAT) {
            service.bounce(m, m.type() == Message.Type.GROUPCHAT
                    ? StanzaError.badRequest("groupchat messages go to the room") : StanzaError.forbidden("private messages are not allowed here"));
            return;
        }
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "message").attr("from", o.roomJid.toString())
                .attr("type", m.typeAttr()).attr("id", m.id());
        for (XmlNode n : m.element().children()) {
            if (!(n instanceof XmlElement e && (e.ns().equals(USER) || e.ns().equals(OCCUPANT_ID)))) {
                b.child(n);
            }
        }
        b.emptyChild(USER, "x");
        b.child(XmlElement.builder(OCCUPANT_ID, "occupant-id").attr("id", o.occupantId).build());
        sendAll(target, Stanza.trusted(b.build()));
    }

    /** Messages to the room's bare JID that are not groupchat: invitations, declines, voice requests. */
    private void roomMessage(Occupant o, Message m) {
        XmlElement x = m.element().child(USER, "x");
        if (x != null && x.child(USER, "invite") != null) {
            invite(o, m, x);
            return;
        }
        if (x != null && x.child(USER, "decline") != null) {
            XmlElement d = x.child(USER, "decline");
            Jid to = d.attr("to") == null ? null : Jid.tryOf(d.attr("to")).orElse(null);
            if (to == null) {
                service.bounce(m, StanzaError.badRequest("a decline needs a 'to'"));
                return;
            }
            XmlElement.Builder dx = XmlElement.builder(USER, "decline").attr("from", m.from().bare().toString());
            dx.textChild(USER, "reason", d.childText(USER, "reason"));
            service.send(Stanza.trusted(XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString())
                    .attr("to", to.toString()).child(XmlElement.builder(USER, "x").child(dx.build()).build()).build()));
            return;
        }
        XmlElement form = m.element().child(Ns.DATA_FORMS, "x");
        if (form != null && REQUEST.equals(DataForm.formType(form))) {
            voiceRequest(o, m, form);
            return;
        }
        if (form != null && (REGISTER_FORM.equals(DataForm.formType(form)) || "cancel".equals(form.attr("type")))) {
            registrationDecision(o, m, form);
            return;
        }
        service.bounce(m, StanzaError.badRequest("send groupchat messages to the room"));
    }

    /** §7.8.2 mediated invitations. */
    private void invite(Occupant o, Message m, XmlElement x) {
        if (o == null) {
            service.bounce(m, StanzaError.notAcceptable("only occupants may invite"));
            return;
        }
        Affiliation aff = affiliation(o.real);
        RoomConfig c = config;
        if (c.membersOnly() && !c.allowInvites() && !aff.atLeast(Affiliation.ADMIN)) {
            service.bounce(m, StanzaError.forbidden("only admins may invite to this room"));
            return;
        }
        List<Jid> invitees = new ArrayList<>();
        List<XmlElement> invites = new ArrayList<>();
        for (XmlElement inv : x.elements(USER, "invite")) {
            Jid to = inv.attr("to") == null ? null : Jid.tryOf(inv.attr("to")).orElse(null);
            if (to == null) {
                service.bounce(m, StanzaError.jidMalformed("an invitation needs a valid 'to'"));
                break;
            }
            invitees.add(to);
            invites.add(inv);
        }
        // §7.8.2: the service may add invitees to the member list; they are saved, once, before any
        // invitation leaves (a failed write sends none and leaves the member list as it was).
        List<Jid> added = new ArrayList<>();
        if (c.membersOnly()) {
            for (Jid to : invitees) {
                if (affiliation(to) == Affiliation.NONE) {
                    affiliations.put(to.bare(), Affiliation.MEMBER);
                    added.add(to.bare());
                }
            }
        }
        if (!added.isEmpty()) {
            try {
                service.persist(this);
            } catch (RuntimeException e) {
                added.forEach(affiliations::remove);
                throw e;
            }
        }
        for (int i = 0; i < invitees.size(); i++) {
            sendInvitation(o, m, invites.get(i), invitees.get(i), c);
        }
    }

    private void sendInvitation(Occupant o, Message m, XmlElement inv, Jid to, RoomConfig c) {
        XmlElement.Builder ix = XmlElement.builder(USER, "invite").attr("from", o.real.bare().toString());
        ix.textChild(USER, "reason", inv.childText(USER, "reason"));
        XmlElement.Builder ux = XmlElement.builder(USER, "x").child(ix.build());
        if (c.passwordProtected()) {
            ux.textChild(USER, "password", c.password());
        }
        XmlElement.Builder msg = XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString())
                .attr("to", to.toString()).attr("id", m.id()).child(ux.build());
        // XEP-0249 alongside, for clients that only understand direct invitations.
        msg.child(XmlElement.builder("jabber:x:conference", "x").attr("jid", jid.toString())
                .attr("reason", inv.childText(USER, "reason")).attr("password", c.passwordProtected() ? c.password() : null)
                .build());
        service.send(Stanza.trusted(msg.build()));
    }

    /** §7.13 voice requests and §8.6 their approval. */
    private void voiceRequest(Occupant o, Message m, XmlElement form) {
        if (o == null) {
            service.bounce(m, StanzaError.notAcceptable("only occupants may request voice"));
            return;
        }
        Map<String, List<String>> v = DataForm.values(form);
        List<String> allow = v.get("muc#request_allow");
        if (allow != null && o.role == Role.MODERATOR) {
            List<String> nick = v.get("muc#roomnick");
            Occupant target = nick == null || nick.isEmpty() ? null : byNick.get(nick.get(0));
            boolean yes = !allow.isEmpty() && (allow.get(0).equals("1") || allow.get(0).equals("true"));
            if (yes && target != null && target.role == Role.VISITOR) {
                target.role = Role.PARTICIPANT;
                broadcastPresence(target, List.of(), o.nick, null);
            }
            return;
        }
        if (o.role != Role.VISITOR) {
            return;
        }
        XmlElement.Builder f = DataForm.form("form");
        f.textChild(Ns.DATA_FORMS, "title", "Voice request");
        f.textChild(Ns.DATA_FORMS, "instructions", "To approve this request for voice, select the checkbox and submit.");
        f.child(DataForm.formTypeField(REQUEST));
        f.child(DataForm.field("muc#role", "list-single", "Requested role", "participant"));
        f.child(DataForm.field("muc#jid", "jid-single", "User ID", o.real.bare().toString()));
        f.child(DataForm.field("muc#roomnick", "text-single", "Room nickname", o.nick));
        f.child(DataForm.field("muc#request_allow", "boolean", "Grant voice to this person?", "false"));
        XmlElement base = XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString())
                .attr("id", service.newId()).child(f.build()).build();
        Message msg = (Message) Stanza.trusted(base);
        for (Occupant mod : byNick.values()) {
            if (mod.role == Role.MODERATOR) {
                sendAll(mod, msg);
            }
        }
    }

    // ------------------------------------------------------------------------------------ IQs

    void iq(Iq iq) throws StanzaException {
        if (!iq.type().isRequest()) {
            if (iq.to().hasResource()) {
                proxiedAnswer(iq);
            }
            return;
        }
        XmlElement q = iq.payload();
        if (q == null) {
            throw new StanzaException(StanzaError.badRequest("an IQ needs a payload"));
        }
        if (iq.to().hasResource()) {
            occupantIq(iq, q);
            return;
        }
        Jid from = iq.from();
        Affiliation aff = affiliation(from);
        if (locked && aff != Affiliation.OWNER) {
            throw new StanzaException(StanzaError.itemNotFound("no such room"));
        }
        boolean get = iq.type() == Iq.Type.GET;
        String ns = q.ns();
        if (get && q.is(Ns.DISCO_INFO, "query")) {
            reply(iq, discoInfo(q.attr("node"), from));
        } else if (get && q.is(Ns.DISCO_ITEMS, "query")) {
            // §6.5: the occupants (their room JIDs) when that is public: a public room, or asked by an occupant.
            XmlElement.Builder items = XmlElement.builder(Ns.DISCO_ITEMS, "query");
            if (q.attr("node") == null && (config.publicRoom() || byReal.containsKey(from))) {
                for (Occupant o : byNick.values()) {
                    if (!o.announced) {
                        continue;
                    }
                    items.child(XmlElement.builder(Ns.DISCO_ITEMS, "item").attr("jid", o.roomJid.toString())
                            .build());
                }
            }
            reply(iq, items.build());
        } else if (get && q.is(Ns.PING, "ping")) {
            reply(iq, null);
        } else if (ns.equals(ADMIN) && q.local().equals("query")) {
            if (get) {
                reply(iq, adminGet(from, q));
            } else {
                adminSet(from, q);
                reply(iq, null);
            }
        } else if (ns.equals(OWNER) && q.local().equals("query")) {
            if (aff != Affiliation.OWNER) {
                throw new StanzaException(StanzaError.forbidden("only owners may configure the room"));
            }
            if (get) {
                reply(iq, XmlElement.builder(OWNER, "query").child(config.form(list(Affiliation.OWNER),
                        list(Affiliation.ADMIN))).build());
            } else {
                ownerSet(iq, from, q);
            }
        } else if (q.is(Ns.REGISTER, "query")) {
            register(iq, from, q, get);
        } else if (q.is(ArchiveService.MAM, "query")) {
            mam(iq, from, q, get);
        } else if (!get && q.is(MODERATE, "moderate")) {
            moderate(from, q);
            reply(iq, null);
        } else {
            throw new StanzaException(StanzaError.serviceUnavailable(null));
        }
    }

    private void reply(Iq iq, XmlElement payload) {
        service.send(iq.result(payload));
    }

    /** IQs to an occupant: XEP-0410 self-ping; no IQ proxying yet. */
    private void occupantIq(Iq iq, XmlElement q) throws StanzaException {
        Occupant sender = byReal.get(iq.from());
        if (q.is(Ns.PING, "ping")) {
            if (sender == null) {
                throw new StanzaException(StanzaError.notAcceptable("not an occupant"));
            }
            if (byNick.get(iq.to().resource()) == null) {
                throw new StanzaException(StanzaError.itemNotFound("no such occupant"));
            }
            reply(iq, null);
            return;
        }
        if (sender == null) {
            // §6.7: disco of an occupant by a non-occupant is a bad request.
            if (q.ns().equals(Ns.DISCO_INFO) || q.ns().equals(Ns.DISCO_ITEMS)) {
                throw new StanzaException(StanzaError.badRequest("only occupants may query occupants"));
            }
            throw new StanzaException(StanzaError.notAcceptable("not an occupant"));
        }
        Occupant target = byNick.get(iq.to().resource());
        if (target == null) {
            throw new StanzaException(StanzaError.itemNotFound("no such occupant"));
        }
        // §7.5 / §18.1: the request goes on under the sender's room JID; vCards to the bare JID.
        Jid to = q.is("vcard-temp", "vCard") ? target.real.bare() : target.real;
        String id = service.newId();
        if (proxied.size() >= MAX_PROXIED) {
            proxied.remove(proxied.keySet().iterator().next());
        }
        proxied.put(id, new Proxied(iq, to, target.roomJid));
        service.send(Iq.request(iq.type(), id, sender.roomJid, to, q));
    }

    /** @param targetRoomJid the target's room JID when the request was forwarded (the answer's sender) */
    private record Proxied(Iq request, Jid target, Jid targetRoomJid) {
    }

    private static final int MAX_PROXIED = 256;
    /** Requests forwarded to occupants, by the id they were sent with, oldest first. */
    private final Map<String, Proxied> proxied = new LinkedHashMap<>();

    /** The answer to a forwarded request goes back to the requester under the target's room JID. */
    private void proxiedAnswer(Iq answer) {
        Proxied p = proxied.get(answer.id());
        if (p == null || answer.from() == null || !answer.from().equals(p.target())) {
            return;
        }
        proxied.remove(answer.id());
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "iq").attr("type", answer.typeAttr())
                .attr("id", p.request().id()).attr("from", p.targetRoomJid().toString())
                .attr("to", p.request().from().toString());
        b.children(answer.element().children());
        service.send(Stanza.trusted(b.build()));
    }

    private XmlElement discoInfo(String node, Jid from) throws StanzaException {
        if (ROOMUSER_NODE.equals(node)) {
            // §7.12: the requester's registered nick as an identity; an empty answer when there is none.
            XmlElement.Builder r = XmlElement.builder(Ns.DISCO_INFO, "query").attr("node", ROOMUSER_NODE);
            String nick = registered.get(from.bare());
            if (nick != null) {
                r.child(XmlElement.builder(Ns.DISCO_INFO, "identity").attr("category", "conference")
                        .attr("name", nick).attr("type", "text").build());
            }
            return r.build();
        }
        if (node != null) {
            throw new StanzaException(StanzaError.itemNotFound("no such node"));
        }
        RoomConfig c = config;
        XmlElement.Builder q = XmlElement.builder(Ns.DISCO_INFO, "query");
        q.child(XmlElement.builder(Ns.DISCO_INFO, "identity").attr("category", "conference").attr("type", "text")
                .attr("name", c.name().isEmpty() ? jid.local() : c.name()).build());
        List<String> features = new ArrayList<>(List.of(MUC, Ns.DISCO_INFO, Ns.DISCO_ITEMS, Ns.PING,
                "http://jabber.org/protocol/muc#stable_id", "http://jabber.org/protocol/muc#self-ping-optimization",
                OCCUPANT_ID, MODERATE, ArchiveService.SID, REQUEST));
        features.add(c.passwordProtected() ? "muc_passwordprotected" : "muc_unsecured");
        features.add(c.publicRoom() ? "muc_public" : "muc_hidden");
        features.add(c.persistent() ? "muc_persistent" : "muc_temporary");
        features.add(c.membersOnly() ? "muc_membersonly" : "muc_open");
        features.add(c.moderated() ? "muc_moderated" : "muc_unmoderated");
        features.add(c.whoisAnyone() ? "muc_nonanonymous" : "muc_semianonymous");
        if (c.logging()) {
            features.add(ArchiveService.MAM);
        }
        if (!c.registration().equals("none")) {
            features.add(Ns.REGISTER);
        }
        for (String f : features) {
            q.child(XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", f).build());
        }
        XmlElement.Builder x = DataForm.form("result");
        x.child(DataForm.formTypeField(ROOMINFO));
        x.child(DataForm.field("muc#roominfo_description", "text-single", "Description", c.description()));
        x.child(DataForm.field("muc#roominfo_occupants", "text-single", "Number of occupants",
                Integer.toString(byNick.size())));
        x.child(DataForm.field("muc#roominfo_subject", "text-single", "Subject", subject == null ? "" : subject));
        x.child(DataForm.field("muc#roominfo_subjectmod", "boolean", "Occupants may change the subject",
                DataForm.bool(c.changeSubject())));
        x.child(DataForm.field("muc#roominfo_lang", "text-single", "Language", c.language()));
        x.child(DataForm.field("muc#roomconfig_roomname", "text-single", "Name", c.name()));
        x.child(DataForm.field("muc#maxhistoryfetch", "text-single", "Maximum history", Integer.toString(service.historySize())));
        x.child(DataForm.field("muc#roomconfig_allowinvites", "boolean", "Occupants may invite", DataForm.bool(c.allowInvites())));
        x.child(DataForm.field("muc#roomconfig_changesubject", "boolean", "Occupants may change the subject",
                DataForm.bool(c.changeSubject())));
        x.child(DataForm.field("muc#roomconfig_presencebroadcast", "list-multi", "Roles whose presence is broadcast",
                RoomConfig.wires(c.presenceBroadcast()), null));
        q.child(x.build());
        return q.build();
    }

    private List<Jid> list(Affiliation a) {
        return affiliations.entrySet().stream().filter(e -> e.getValue() == a).map(Map.Entry::getKey).sorted().toList();
    }

    private XmlElement adminGet(Jid from, XmlElement q) throws StanzaException {
        XmlElement item = q.child(ADMIN, "item");
        if (item == null) {
            throw new StanzaException(StanzaError.badRequest("an item is required"));
        }
        XmlElement.Builder out = XmlElement.builder(ADMIN, "query");
        Affiliation fa = affiliation(from);
        Occupant requester = byReal.get(from);
        String affAttr = item.attr("affiliation");
        String roleAttr = item.attr("role");
        if (affAttr != null) {
            Affiliation a = Affiliation.parse(affAttr);
            if (a == null || a == Affiliation.NONE) {
                throw new StanzaException(StanzaError.badRequest("unknown affiliation"));
            }
            boolean memberListPublic = requester != null && config.memberListFor().contains(requester.role);
            if (!Permissions.canReadAffiliationList(fa, a, memberListPublic)
                    && !(a == Affiliation.MEMBER && memberListPublic)) {
                throw new StanzaException(StanzaError.forbidden("you may not read that list"));
            }
            for (Jid j : list(a)) {
                XmlElement.Builder ib = XmlElement.builder(ADMIN, "item").attr("affiliation", a.wire())
                        .attr("jid", j.toString());
                boolean present = false;
                for (Occupant o : byNick.values()) {
                    if (o.real.sameBare(j)) {
                        ib.attr("nick", o.nick).attr("role", o.role.wire());
                        present = true;
                        break;
                    }
                }
                if (!present) {
                    ib.attr("nick", registered.get(j));
                }
                out.child(ib.build());
            }
        } else if (roleAttr != null) {
            Role r = Role.parse(roleAttr);
            if (r == null || r == Role.NONE) {
                throw new StanzaException(StanzaError.badRequest("unknown role"));
            }
            if (requester == null || !Permissions.canReadRoleList(requester.role)) {
                throw new StanzaException(StanzaError.forbidden("only moderators may read that list"));
            }
            for (Occupant o : byNick.values()) {
                if (o.role == r) {
                    out.child(XmlElement.builder(ADMIN, "item").attr("role", r.wire()).attr("nick", o.nick)
                            .attr("jid", o.real.toString()).attr("affiliation", affiliation(o.real).wire()).build());
                }
            }
        } else {
            throw new StanzaException(StanzaError.badRequest("an affiliation or role is required"));
        }
        return out.build();
    }

    private record Change(Occupant target, Role role, Jid jid, Affiliation affiliation, String reason) {
    }

    /** §8-§10 role and affiliation changes: every item is checked before any is applied. */
    private void adminSet(Jid from, XmlElement q) throws StanzaException {
        Occupant actor = byReal.get(from);
        Affiliation actorAff = affiliation(from);
        Role actorRole = actor == null ? Role.NONE : actor.role;
        List<Change> changes = new ArrayList<>();
        Map<Jid, Affiliation> pending = new HashMap<>(affiliations);
        for (XmlElement item : q.elements(ADMIN, "item")) {
            String reason = item.childText(ADMIN, "reason");
            if (item.attr("role") != null) {
                Role to = Role.parse(item.attr("role"));
                Occupant target = item.attr("nick") == null ? null : byNick.get(item.attr("nick"));
                if (to == null) {
                    throw new StanzaException(StanzaError.badRequest("unknown role"));
                }
                if (target == null) {
                    throw new StanzaException(StanzaError.itemNotFound("no such occupant"));
                }
                String denied = Permissions.roleChange(actorRole, actorAff, target.role, affiliation(target.real), to);
                if (denied != null) {
                    throw new StanzaException(error(denied));
                }
                changes.add(new Change(target, to, null, null, reason));
            } else if (item.attr("affiliation") != null) {
                Affiliation to = Affiliation.parse(item.attr("affiliation"));
                Jid target = item.attr("jid") == null ? null : Jid.tryOf(item.attr("jid")).map(Jid::bare).orElse(null);
                if (target == null && item.attr("nick") != null && byNick.get(item.attr("nick")) != null) {
                    target = byNick.get(item.attr("nick")).real.bare();
                }
                if (to == null) {
                    throw new StanzaException(StanzaError.badRequest("unknown affiliation"));
                }
                if (target == null) {
                    throw new StanzaException(StanzaError.badRequest("a jid is required"));
                }
                Affiliation current = pending.getOrDefault(target, Affiliation.NONE);
                String denied = Permissions.affiliationChange(actorAff, current, to);
                if (denied != null) {
                    throw new StanzaException(error(denied));
                }
                if (to == Affiliation.NONE) {
                    pending.remove(target);
                } else {
                    pending.put(target, to);
                }
                changes.add(new Change(null, null, target, to, reason));
            } else {
                throw new StanzaException(StanzaError.badRequest("an item needs a role or an affiliation"));
            }
        }
        if (!pending.containsValue(Affiliation.OWNER)) {
            throw new StanzaException(StanzaError.conflict("a room keeps at least one owner"));
        }
        String actorNick = actor == null ? null : actor.nick;
        boolean affChanged = false;
        for (Change c : changes) {
            if (c.target() != null) {
                applyRole(c.target(), c.role(), actorNick, c.reason());
            } else {
                applyAffiliation(c.jid(), c.affiliation(), actorNick, c.reason());
                affChanged = true;
            }
        }
        if (affChanged) {
            service.persist(this);
        }
    }

    private static StanzaError error(String condition) {
        return Permissions.FORBIDDEN.equals(condition) ? StanzaError.forbidden(null) : StanzaError.notAllowed(null);
    }

    private void applyRole(Occupant target, Role to, String actorNick, String reason) {
        if (byReal.get(target.real) != target) {
            return;
        }
        if (to == Role.NONE) {
            remove(target, List.of(307), actorNick, reason, "kicked by " + actorNick);
        } else if (target.role != to) {
            target.role = to;
            broadcastPresence(target, List.of(), actorNick, reason);
        }
    }

    private void applyAffiliation(Jid bare, Affiliation to, String actorNick, String reason) {
        if (to == Affiliation.NONE) {
            affiliations.remove(bare);
        } else {
            affiliations.put(bare, to);
        }
        if (to == Affiliation.NONE || to == Affiliation.OUTCAST) {
            // A nick is registered by becoming a member (§7.10); losing the affiliation ends the reservation.
            unreserve(bare);
            if (to == Affiliation.OUTCAST && pendingRegistrations.containsKey(bare)) {
                dropPending(bare);
            }
        }
        for (Occupant o : List.copyOf(byNick.values())) {
            if (!o.real.sameBare(bare)) {
                continue;
            }
            if (to == Affiliation.OUTCAST) {
                remove(o, List.of(301), actorNick, reason, "banned by " + actorNick);
            } else if (config.membersOnly() && to == Affiliation.NONE) {
                remove(o, List.of(321), actorNick, reason, "no longer a member");
            } else {
                o.role = to.atLeast(Affiliation.ADMIN) ? Role.MODERATOR
                        : o.role == Role.MODERATOR ? Role.PARTICIPANT
                        : config.moderated() && to == Affiliation.NONE ? o.role
                        : o.role == Role.VISITOR && to == Affiliation.MEMBER ? Role.PARTICIPANT : o.role;
                broadcastPresence(o, List.of(), actorNick, reason);
            }
        }
    }

    /** Affiliations or the configuration changed: occupants' views are built again when needed. */
    private void forgetViews() {
        for (Occupant o : byNick.values()) {
            o.viewWithJid = null;
            o.viewAnonymous = null;
        }
    }

    private void ownerSet(Iq iq, Jid from, XmlElement q) throws StanzaException {
        XmlElement destroy = q.child(OWNER, "destroy");
        if (destroy != null) {
            destroy(destroy);
            reply(iq, null);
            return;
        }
        XmlElement x = q.child(Ns.DATA_FORMS, "x");
        if (x == null) {
            throw new StanzaException(StanzaError.badRequest("a form or a destroy is required"));
        }
        String type = x.attr("type");
        if ("cancel".equals(type)) {
            if (locked) {
                // §10.1.3: cancelling the initial configuration destroys the room.
                destroy(XmlElement.empty(OWNER, "destroy"));
            }
            reply(iq, null);
            return;
        }
        if (!"submit".equals(type)) {
            throw new StanzaException(StanzaError.badRequest("a submitted form is required"));
        }
        RoomConfig old = config;
        RoomConfig.Submission s = x.elements(Ns.DATA_FORMS, "field").isEmpty()
                ? new RoomConfig.Submission(old, null, null) : old.apply(x);
        Map<Jid, Affiliation> oldAffiliations = new HashMap<>(affiliations);
        if (s.owners() != null && !s.owners().isEmpty()) {
            for (Jid j : s.owners()) {
                affiliations.put(j, Affiliation.OWNER);
            }
        }
        if (s.admins() != null) {
            for (Jid j : s.admins()) {
                if (affiliation(j) != Affiliation.OWNER) {
                    affiliations.put(j, Affiliation.ADMIN);
                }
            }
        }
        config = s.config();
        forgetViews();
        boolean wasLocked = locked;
        locked = false;
        // Stored before it is confirmed: a failed write is answered with an error, never after a
        // result, and the room stays as it was.
        try {
            service.saveConfiguration(this, old);
        } catch (RuntimeException e) {
            config = old;
            locked = wasLocked;
            affiliations.clear();
            affiliations.putAll(oldAffiliations);
            forgetViews();
            throw e;
        }
        reply(iq, null);
        if (!wasLocked) {
            // §10.2.1: status 104 tells occupants that the configuration changed.
            XmlElement.Builder sx = XmlElement.builder(USER, "x").child(status(104));
            if (old.whoisAnyone() != config.whoisAnyone()) {
                sx.child(status(config.whoisAnyone() ? 172 : 173));
            }
            if (old.logging() != config.logging()) {
                sx.child(status(config.logging() ? 170 : 171));
            }
            broadcast(XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString()).attr("type", "groupchat")
                    .attr("id", service.newId()).child(sx.build()).build());
        }
        if (config.membersOnly() && !old.membersOnly()) {
            for (Occupant o : List.copyOf(byNick.values())) {
                if (!affiliation(o.real).atLeast(Affiliation.MEMBER)) {
                    remove(o, List.of(322), null, null, "the room became members-only");
                }
            }
        }
        if (!config.presenceBroadcast().equals(old.presenceBroadcast())) {
            for (Occupant o : List.copyOf(byNick.values())) {
                reannounce(o);
            }
        }
        if (config.moderated() != old.moderated()) {
            for (Occupant o : byNick.values()) {
                Affiliation a = affiliation(o.real);
                if (a == Affiliation.NONE && (o.role == Role.PARTICIPANT || o.role == Role.VISITOR)) {
                    Role r = config.moderated() ? Role.VISITOR : Role.PARTICIPANT;
                    if (r != o.role) {
                        o.role = r;
                        broadcastPresence(o, List.of(), null, null);
                    }
                }
            }
        }
        service.roomMaybeEmpty(this);
    }

    /** §10.9: everyone leaves with the destroy element; the room and its record are gone. */
    void destroy(XmlElement request) {
        XmlElement.Builder d = XmlElement.builder(USER, "destroy");
        String alt = request.attr("jid");
        if (alt != null && Jid.tryOf(alt).isPresent()) {
            d.attr("jid", alt);
        }
        d.textChild(USER, "reason", request.childText(OWNER, "reason"));
        d.textChild(USER, "password", request.childText(OWNER, "password"));
        XmlElement destroy = d.build();
        for (Occupant o : List.copyOf(byNick.values())) {
            o.role = Role.NONE;
            Presence p = occupantPresence(o, false, false, List.of(), null, null, null, destroy, true);
            sendAll(o, p);
        }
        byNick.clear();
        byReal.clear();
        occupantCount = 0;
        service.destroyed(this);
        LOG.info("Room {} destroyed", jid);
    }

    // ------------------------------------------------------------------------------- registration

    /**
     * §7.10 registration with the room: a get returns the form (or {@code <registered/>} with the
     * nick), a submitted form reserves the nick and makes an unaffiliated user a member, and
     * {@code <remove/>} (XEP-0077 §3.2) ends the registration.
     */
    private void register(Iq iq, Jid from, XmlElement q, boolean get) throws StanzaException {
        Jid bare = from.bare();
        Affiliation aff = affiliation(from);
        String current = registered.get(bare);
        if (get) {
            if (current != null) {
                reply(iq, XmlElement.builder(Ns.REGISTER, "query").emptyChild(Ns.REGISTER, "registered")
                        .textChild(Ns.REGISTER, "username", current).build());
                return;
            }
            checkMayRegister(aff);
            reply(iq, registrationForm());
            return;
        }
        if (q.child(Ns.REGISTER, "remove") != null) {
            if (q.elements().size() != 1) {
                throw new StanzaException(StanzaError.badRequest("<remove/> must be the only child"));
            }
            if (current == null && pendingRegistrations.containsKey(bare)) {
                dropPending(bare);
                // Withdrawing a request that awaits approval.
                reply(iq, null);
                LOG.info("{} withdrew its registration request in {}", bare, jid);
                return;
            }
            if (current == null) {
                throw new StanzaException(StanzaError.registrationRequired("you have no registered nickname here"));
            }
            if (aff == Affiliation.MEMBER) {
                // Registration made the user a member; cancelling it ends the membership (321 in a members-only room).
                applyAffiliation(bare, Affiliation.NONE, null, null);
            } else {
                unreserve(bare);
            }
            service.persist(this);
            reply(iq, null);
            LOG.info("{} cancelled the registration of nick {} in {}", bare, current, jid);
            return;
        }
        XmlElement x = q.child(Ns.DATA_FORMS, "x");
        if (x != null && "cancel".equals(x.attr("type"))) {
            reply(iq, null);
            return;
        }
        checkMayRegister(aff);
        boolean approval = needsApproval(aff);
        if (approval && pendingRegistrations.containsKey(bare)) {
            throw new StanzaException(StanzaError.conflict("your registration request is awaiting approval"));
        }
        if (x == null || !"submit".equals(x.attr("type"))) {
            throw new StanzaException(StanzaError.badRequest("submit the " + REGISTER_FORM + " form"));
        }
        String type = DataForm.formType(x);
        if (type != null && !REGISTER_FORM.equals(type)) {
            throw new StanzaException(StanzaError.badRequest("not a " + REGISTER_FORM + " form"));
        }
        List<String> values = DataForm.values(x).get("muc#register_roomnick");
        String wanted = values == null || values.isEmpty() ? "" : values.get(0).trim();
        if (wanted.isEmpty()) {
            throw new StanzaException(StanzaError.badRequest("muc#register_roomnick is required"));
        }
        String nick;
        try {
            nick = Jid.enforceResource(wanted);
        } catch (MalformedJidException e) {
            throw new StanzaException(StanzaError.badRequest("not a valid nickname"));
        }
        if (reservedByOther(nick, bare) != null) {
            throw new StanzaException(StanzaError.conflict("that nickname is registered by another user"));
        }
        String key = MucRoomRecord.nickKey(nick);
        for (Occupant o : byNick.values()) {
            if (!o.real.sameBare(bare) && MucRoomRecord.nickKey(o.nick).equals(key)) {
                throw new StanzaException(StanzaError.conflict("another occupant is using that nickname"));
            }
        }
        if (approval) {
            requestApproval(iq, from, nick, key);
            return;
        }
        reserve(bare, nick);
        if (aff == Affiliation.NONE) {
            applyAffiliation(bare, Affiliation.MEMBER, null, null);
        }
        service.persist(this);
        reply(iq, null);
        LOG.info("{} registered nick {} in {}", bare, nick, jid);
    }

    /**
     * Whether a registration waits for an admin (§9.9): an unaffiliated user's, when the room says
     * {@code approval}, or says {@code anyone} but is members-only (registration makes members).
     */
    private boolean needsApproval(Affiliation aff) {
        RoomConfig c = config;
        return aff == Affiliation.NONE
                && (c.registration().equals("approval") || c.membersOnly() && c.registration().equals("anyone"));
    }

    /**
     * §7.10/§9.9: the request is acknowledged at once (the IQ result says it was received); the
     * owners and admins get the {@code muc#register} form to approve or deny it.
     */
    private void requestApproval(Iq iq, Jid from, String nick, String key) throws StanzaException {
        for (PendingRegistration p : pendingRegistrations.values()) {
            if (MucRoomRecord.nickKey(p.nick()).equals(key)) {
                throw new StanzaException(StanzaError.conflict("that nickname awaits approval for another user"));
            }
        }
        if (pendingRegistrations.size() >= service.pendingRegistrations()) {
            if (!pendingFullLogged) {
                pendingFullLogged = true;
                LOG.warn("Registration requests in {} refused (first: {}): {} requests already await approval"
                        + " (muc.pending-registrations)", jid, from.bare(), pendingRegistrations.size());
            }
            throw new StanzaException(StanzaError.resourceConstraint("too many registration requests await approval"));
        }
        pendingRegistrations.put(from.bare(), new PendingRegistration(from, nick));
        reply(iq, null);
        XmlElement.Builder f = DataForm.form("form");
        f.textChild(Ns.DATA_FORMS, "title", "Registration request");
        f.textChild(Ns.DATA_FORMS, "instructions",
                "To approve this request, check \"Allow this person to register with the room?\" and submit; "
                        + "submit it unchecked to deny it; cancel to decide later.");
        f.child(DataForm.formTypeField(REGISTER_FORM));
        f.child(DataForm.field("muc#jid", "jid-single", "User ID", from.bare().toString()));
        f.child(DataForm.field("muc#register_roomnick", "text-single", "Desired nickname", nick));
        f.child(DataForm.field("muc#register_allow", "boolean", "Allow this person to register with the room?", "false"));
        Stanza msg = Stanza.trusted(XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString())
                .attr("id", service.newId()).child(f.build()).build());
        // To every owner and admin: at the sessions it is in the room with, else at its bare JID
        // (the server delivers to its online resources or keeps the message offline).
        for (Map.Entry<Jid, Affiliation> e : affiliations.entrySet()) {
            if (!e.getValue().atLeast(Affiliation.ADMIN)) {
                continue;
            }
            List<Jid> sessions = byReal.keySet().stream().filter(r -> r.sameBare(e.getKey())).toList();
            if (sessions.isEmpty()) {
                service.send(msg.withTo(e.getKey()));
            }
            for (Jid session : sessions) {
                service.send(msg.withTo(session));
            }
        }
        LOG.info("{} asked to register nick {} in {}; awaiting an admin's approval", from.bare(), nick, jid);
    }

    /**
     * §9.9: an owner or admin submits the request's form back to the room; {@code muc#register_allow}
     * true registers the nick and makes the user a member, false denies. The requester is told
     * either way. A cancelled form leaves the request pending.
     */
    private void registrationDecision(Occupant o, Message m, XmlElement form) {
        if ("cancel".equals(form.attr("type"))) {
            return;
        }
        if (!affiliation(m.from()).atLeast(Affiliation.ADMIN)) {
            LOG.info("{} tried to decide a registration request in {} without being an admin or owner",
                    m.from().bare(), jid);
            service.bounce(m, StanzaError.forbidden("only admins and owners may decide registration requests"));
            return;
        }
        if (!"submit".equals(form.attr("type"))) {
            service.bounce(m, StanzaError.badRequest("submit the " + REGISTER_FORM + " form"));
            return;
        }
        Map<String, List<String>> v = DataForm.values(form);
        Jid user = first(v, "muc#jid") == null ? null : Jid.tryOf(first(v, "muc#jid")).map(Jid::bare).orElse(null);
        String allow = first(v, "muc#register_allow");
        if (user == null || allow == null) {
            service.bounce(m, StanzaError.badRequest("muc#jid and muc#register_allow are required"));
            return;
        }
        PendingRegistration p = pendingRegistrations.get(user);
        if (p == null) {
            service.bounce(m, StanzaError.itemNotFound("no registration request of that user awaits approval"));
            return;
        }
        boolean yes = allow.equals("1") || allow.equals("true");
        String actorNick = o == null ? null : o.nick;
        if (!yes) {
            dropPending(user);
            tellRequester(p, "Your registration of the nickname " + p.nick() + " in " + jid + " was declined.");
            LOG.info("Registration of nick {} in {} by {} declined by {}", p.nick(), jid, user, m.from().bare());
            return;
        }
        if (affiliation(user) == Affiliation.OUTCAST) {
            dropPending(user);
            service.bounce(m, StanzaError.notAllowed("the user is banned from the room"));
            return;
        }
        String key = MucRoomRecord.nickKey(p.nick());
        boolean inUse = byNick.values().stream().anyMatch(x -> !x.real.sameBare(user)
                && MucRoomRecord.nickKey(x.nick).equals(key));
        if (reservedByOther(p.nick(), user) != null || inUse) {
            // Taken since the request (an admin's own reservation, or an occupant using it).
            dropPending(user);
            service.bounce(m, StanzaError.conflict("that nickname has been taken since the request"));
            tellRequester(p, "Your registration of the nickname " + p.nick() + " in " + jid
                    + " could not be completed: the nickname has been taken.");
            return;
        }
        dropPending(user);
        reserve(user, p.nick());
        if (affiliation(user) == Affiliation.NONE) {
            applyAffiliation(user, Affiliation.MEMBER, actorNick, null);
        }
        service.persist(this);
        tellRequester(p, "Your registration of the nickname " + p.nick() + " in " + jid + " was approved.");
        LOG.info("Registration of nick {} in {} by {} approved by {}", p.nick(), jid, user, m.from().bare());
    }

    private void dropPending(Jid user) {
        pendingRegistrations.remove(user);
        pendingFullLogged = false;
    }

    private static String first(Map<String, List<String>> values, String var) {
        List<String> l = values.get(var);
        return l == null || l.isEmpty() ? null : l.get(0).trim();
    }

    private void tellRequester(PendingRegistration p, String text) {
        service.send(Stanza.trusted(XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString())
                .attr("to", p.requester().toString()).attr("id", service.newId())
                .textChild(Ns.CLIENT, "body", text).build()));
    }

    /** Who may register (§7.10: not-allowed when "that privilege has been restricted"). */
    private void checkMayRegister(Affiliation aff) throws StanzaException {
        RoomConfig c = config;
        if (aff == Affiliation.OUTCAST) {
            throw new StanzaException(StanzaError.forbidden("you are banned from this room"));
        }
        if (c.registration().equals("none")) {
            throw new StanzaException(StanzaError.notAllowed("this room does not take registrations"));
        }
        if (c.registration().equals("members") && !aff.atLeast(Affiliation.MEMBER)) {
            throw new StanzaException(StanzaError.notAllowed("only members may register a nickname here"));
        }
    }

    private XmlElement registrationForm() {
        XmlElement.Builder f = DataForm.form("form");
        f.textChild(Ns.DATA_FORMS, "title", "Registration with " + (config.name().isEmpty() ? jid.local() : config.name()));
        f.textChild(Ns.DATA_FORMS, "instructions", "Choose the nickname to reserve in this room.");
        f.child(DataForm.formTypeField(REGISTER_FORM));
        f.child(XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", "muc#register_roomnick").attr("type", "text-single")
                .attr("label", "Nickname").emptyChild(Ns.DATA_FORMS, "required").build());
        return XmlElement.builder(Ns.REGISTER, "query")
                .textChild(Ns.REGISTER, "instructions", "Reserve a nickname in this room by submitting the form.")
                .child(f.build()).build();
    }

    // ------------------------------------------------------------------------------------ archive

    private void mam(Iq iq, Jid from, XmlElement q, boolean get) throws StanzaException {
        RoomConfig c = config;
        Affiliation a = affiliation(from);
        boolean mayRead = byReal.containsKey(from) || a.atLeast(Affiliation.MEMBER)
                || (!c.membersOnly() && c.publicRoom() && a != Affiliation.OUTCAST);
        if (!c.logging()) {
            throw new StanzaException(StanzaError.serviceUnavailable("this room keeps no archive"));
        }
        if (!mayRead) {
            throw new StanzaException(StanzaError.forbidden("only occupants and members may read the archive"));
        }
        if (get) {
            reply(iq, MamQueries.form());
            return;
        }
        MamQueries.Parsed p = MamQueries.parse(q, Math.min(50, service.mamMaxPage()), service.mamMaxPage());
        ArchivePage page = service.queryArchive(p.toQuery(jid, p.with()));
        for (ArchivedMessage m : MamQueries.ordered(page, p)) {
            XmlElement r = MamQueries.result(p.queryId(), m, jid, from);
            if (r != null) {
                service.send(Stanza.trusted(r));
            }
        }
        reply(iq, MamQueries.fin(p.queryId(), page));
    }

    /** XEP-0425: a moderator retracts a message; the archive keeps a tombstone. */
    private void moderate(Jid from, XmlElement q) throws StanzaException {
        Occupant actor = byReal.get(from);
        if (actor == null || actor.role != Role.MODERATOR) {
            throw new StanzaException(StanzaError.forbidden("only moderators may moderate messages"));
        }
        if (q.child(RETRACT, "retract") == null) {
            throw new StanzaException(StanzaError.badRequest("only retraction is supported"));
        }
        String target = q.attr("id");
        long id = io.switchboard.ext.mam.ArchiveIds.parse(target);
        if (id < 0) {
            throw new StanzaException(StanzaError.itemNotFound("no such message"));
        }
        String reason = q.childText(MODERATE, "reason");
        XmlElement moderated = XmlElement.builder(MODERATE, "moderated").attr("by", actor.roomJid.toString())
                .child(XmlElement.builder(OCCUPANT_ID, "occupant-id").attr("id", actor.occupantId).build()).build();
        boolean found = history.removeIf(h -> h.id() == id);
        var stored = config.logging() ? service.findArchived(jid, id) : java.util.Optional.<ArchivedMessage>empty();
        if (stored.isPresent()) {
            XmlElement orig = XmlFragments.parse(stored.get().stanza());
            XmlElement.Builder tomb = XmlElement.builder(Ns.CLIENT, "message").attr("from", orig.attr("from"))
                    .attr("type", "groupchat").attr("id", orig.attr("id"));
            XmlElement.Builder retracted = XmlElement.builder(RETRACT, "retracted")
                    .attr("stamp", MamQueries.stamp(service.now())).child(moderated);
            retracted.textChild(MODERATE, "reason", reason);
            tomb.child(retracted.build());
            XmlElement oid = orig.child(OCCUPANT_ID, "occupant-id");
            tomb.child(oid);
            tomb.child(orig.child(ArchiveService.SID, "stanza-id"));
            service.replaceArchived(jid, id, XmlWriter.toXml(tomb.build()));
            found = true;
        }
        if (!found) {
            throw new StanzaException(StanzaError.itemNotFound("no such message"));
        }
        XmlElement.Builder retract = XmlElement.builder(RETRACT, "retract").attr("id", target).child(moderated);
        retract.textChild(RETRACT, "reason", reason);
        broadcast(XmlElement.builder(Ns.CLIENT, "message").attr("from", jid.toString()).attr("type", "groupchat")
                .attr("id", service.newId()).child(retract.build()).build());
        LOG.info("Message {} in {} retracted by moderator {}", target, jid, actor.real);
    }
}
