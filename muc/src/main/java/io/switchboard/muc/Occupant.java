package io.switchboard.muc;

import io.switchboard.jid.Jid;
import io.switchboard.xml.XmlNode;
import java.util.List;

/**
 * One occupant of a room: a nick held by one user, possibly from several sessions (full JIDs of
 * the same bare JID). Mutable, touched only on the room's lane.
 */
final class Occupant {

    /** The first session (shown as the occupant's real JID). */
    Jid real;
    /** Further sessions of the same user under this nick. */
    final List<Jid> moreSessions = new java.util.ArrayList<>(0);
    final String occupantId;
    /** The nick, the resource of {@link #roomJid}; both change only through {@link #renamed}. */
    String nick;
    /**
     * The occupant's room JID ({@code room@service/nick}), the sender of everything it says in the
     * room: built once when it joins or changes nick, not for each stanza.
     */
    Jid roomJid;
    Role role;
    /**
     * Whether the other occupants were told of this occupant (its role is among the room's
     * {@code presencebroadcast} roles); they are told again when that changes.
     */
    boolean announced;
    /** The presence children the occupant sent (show, status, caps...), without MUC elements. */
    List<XmlNode> presence;
    /**
     * This occupant's current presence as others see it, with and without the real JID (no status
     * codes), reused for every joiner; null when it must be built again.
     */
    io.switchboard.stanza.Presence viewWithJid;
    io.switchboard.stanza.Presence viewAnonymous;

    /** Every session, the first one first. */
    List<Jid> sessions() {
        if (moreSessions.isEmpty()) {
            return List.of(real);
        }
        List<Jid> all = new java.util.ArrayList<>(moreSessions.size() + 1);
        all.add(real);
        all.addAll(moreSessions);
        return all;
    }

    /** @param roomJid {@code room@service/nick} (canonical: its resource is the nick) */
    Occupant(Jid real, Jid roomJid, Role role, String occupantId, List<XmlNode> presence) {
        this.real = real;
        renamed(roomJid);
        this.role = role;
        this.occupantId = occupantId;
        this.presence = presence;
    }

    /** A new nick: {@code roomJid} is {@code room@service/nick}, already canonical. */
    void renamed(Jid roomJid) {
        this.roomJid = roomJid;
        this.nick = roomJid.resource();
    }
}
