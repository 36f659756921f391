package io.switchboard.c2s;

import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlNode;
import java.util.Map;

/**
 * Client state indication (XEP-0352) policy: which stanzas may wait while a client is inactive.
 * Presence updates wait (only the latest per sender is kept) and bare chat states are dropped;
 * anything a user would want to see at once (messages with content, IQs, subscription requests,
 * errors) goes out immediately, after what was held, so the order stays right.
 */
final class ClientState {

    static final String NS = "urn:xmpp:csi:0";
    static final int MAX_HELD = 500;
    private static final String CHATSTATES = "http://jabber.org/protocol/chatstates";
    private static final String URGENT_HINT = "urn:xmpp:hints";

    private ClientState() {
    }

    static boolean important(Stanza s) {
        if (s instanceof Iq || s.isError()) {
            return true;
        }
        if (s instanceof Presence p) {
            return p.type() != Presence.Type.AVAILABLE && p.type() != Presence.Type.UNAVAILABLE;
        }
        Message m = (Message) s;
        XmlElement e = m.element();
        if (e.hasChild(URGENT_HINT, "store") || e.hasChild(Ns.CLIENT, "body")) {
            return true;
        }
        for (XmlNode n : e.children()) {
            if (n instanceof XmlElement c && !c.ns().equals(CHATSTATES) && !c.is(Ns.CLIENT, "thread")) {
                return true;
            }
        }
        return false;
    }

    /** Holds a presence (replacing an earlier one from the same sender); drops chat-state-only messages. */
    static void hold(Map<Object, Stanza> held, Stanza s) {
        if (s instanceof Presence p) {
            Object key = p.from() == null ? p : p.from();
            held.remove(key);
            held.put(key, p);
        }
    }
}
