package io.switchboard.ext.carbons;

import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.jid.Jid;
import io.switchboard.routing.MessageHook;
import io.switchboard.session.ClientSession;
import io.switchboard.session.LocalSessions;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlNode;
import java.util.List;
import java.util.Set;

/**
 * Message carbons (XEP-0280): each of a user's devices that enabled carbons gets a copy of the
 * messages the user's other devices send ({@code <sent/>}) and receive ({@code <received/>}), so
 * that every device shows the whole conversation. The private and no-copy hints are honoured.
 */
public final class CarbonsService implements MessageHook {

    public static final String NS = io.switchboard.xml.Ns.CARBONS;
    public static final String FORWARD = "urn:xmpp:forward:0";
    private static final String HINTS = "urn:xmpp:hints";
    /** Payloads of IM conversations that make a message eligible without a body (XEP-0280 §6). */
    private static final Set<String> IM_PAYLOADS = Set.of("http://jabber.org/protocol/chatstates", "urn:xmpp:receipts",
            "urn:xmpp:chat-markers:0", "urn:xmpp:reactions:0", "urn:xmpp:message-retract:1", "urn:xmpp:fasten:0",
            "eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2", "urn:xmpp:openpgp:0", "jabber:x:conference",
            "urn:xmpp:jingle-message:0", "urn:xmpp:message-correct:0");

    private final LocalSessions sessions;

    public CarbonsService(LocalSessions sessions) {
        this.sessions = sessions;
    }

    public void register(HandlerRegistry.Builder b) {
        b.both(IqKey.set(NS, "enable"), req -> {
            if (req.session() == null || !req.fromOwner() && req.target().hasLocal()) {
                throw new StanzaException(StanzaError.notAllowed(null));
            }
            req.session().enableCarbons();
            return req.iq().result();
        });
        b.both(IqKey.set(NS, "disable"), req -> {
            if (req.session() == null) {
                throw new StanzaException(StanzaError.notAllowed(null));
            }
            req.session().disableCarbons();
            return req.iq().result();
        });
        b.serverFeature(NS);
    }

    /** Turns carbons on for a session (Bind2 inline enable). */
    public static void enable(ClientSession s) {
        s.enableCarbons();
    }

    public static boolean enabled(ClientSession s) {
        return s.carbonsEnabled();
    }

    /** XEP-0280 §6: which messages are copied. */
    static boolean eligible(Message m) {
        XmlElement e = m.element();
        if (e.hasChild(NS, "private") || e.hasChild(HINTS, "no-copy") || e.hasChild(NS, "received")
                || e.hasChild(NS, "sent")) {
            return false;
        }
        switch (m.type()) {
            case CHAT:
                return true;
            case NORMAL:
                if (e.hasChild(Ns.CLIENT, "body")) {
                    return true;
                }
                break;
            case GROUPCHAT:
            case HEADLINE:
                return false;
            case ERROR:
                return true;
            default:
                break;
        }
        for (XmlNode n : e.children()) {
            if (n instanceof XmlElement c && (IM_PAYLOADS.contains(c.ns())
                    || c.is("http://jabber.org/protocol/muc#user", "x"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Message outgoing(ClientSession sender, Message m) {
        if (!eligible(m)) {
            return m;
        }
        Jid bare = sender.jid().bare();
        for (ClientSession s : sessions.of(bare)) {
            if (s != sender && enabled(s)) {
                s.deliver(wrap("sent", bare, s.jid(), m));
            }
        }
        return m;
    }

    @Override
    public void delivered(Jid recipient, Message m, List<Jid> resources, boolean stored) {
        if (!eligible(m)) {
            return;
        }
        for (ClientSession s : sessions.of(recipient)) {
            if (enabled(s) && !resources.contains(s.jid())) {
                s.deliver(wrap("received", recipient, s.jid(), m));
            }
        }
    }

    /** {@code <message from=bare to=device><sent|received><forwarded><message/></forwarded></...></message>}. */
    static Message wrap(String direction, Jid bare, Jid to, Message m) {
        XmlElement inner = m.element();
        XmlElement copy = XmlElement.builder(Ns.CLIENT, "message").attr("from", bare.toString()).attr("to", to.toString())
                .attr("type", m.type() == Message.Type.NORMAL ? null : m.type().wire())
                .child(XmlElement.builder(NS, direction)
                        .child(XmlElement.builder(FORWARD, "forwarded").child(inner).build()).build())
                .build();
        return (Message) Stanza.trusted(copy);
    }
}
