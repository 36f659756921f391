package io.switchboard.muc;

import io.switchboard.jid.Jid;
import io.switchboard.xml.XmlNode;
import java.util.List;

/**
 * One occupant of a room: a nick held by one real full JID. Mutable, touched only on the room's
 * lane.
 */
final class Occupant {

    final Jid real;
    final String occupantId;
    String nick;
    Role role;
    /** The presence children the occupant sent (show, status, caps...), without MUC elements. */
    List<XmlNode> presence;
    /**
     * This occupant's current presence as others see it, with and without the real JID (no status
     * codes), reused for every joiner; null when it must be built again.
     */
    io.switchboard.stanza.Presence viewWithJid;
    io.switchboard.stanza.Presence viewAnonymous;

    Occupant(Jid real, String nick, Role role, String occupantId, List<XmlNode> presence) {
        this.real = real;
        this.nick = nick;
        this.role = role;
        this.occupantId = occupantId;
        this.presence = presence;
    }
}
