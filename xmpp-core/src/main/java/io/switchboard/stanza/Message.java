package io.switchboard.stanza;

import io.switchboard.jid.Jid;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;

/** A {@code <message/>} stanza (RFC 6121 §5). */
public final class Message extends Stanza {

    /** Message types (RFC 6121 §5.2.2); an absent or unknown type is {@link #NORMAL}. */
    public enum Type {
        NORMAL, CHAT, GROUPCHAT, HEADLINE, ERROR;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Type parse(String s) {
            if (s == null) {
                return NORMAL;
            }
            return switch (s) {
                case "chat" -> CHAT;
                case "groupchat" -> GROUPCHAT;
                case "headline" -> HEADLINE;
                case "error" -> ERROR;
                default -> NORMAL;
            };
        }
    }

    private final Type type;

    Message(XmlElement e, Jid to, Jid from) {
        super(e, to, from);
        this.type = Type.parse(e.attr("type"));
    }

    public static Message of(XmlElement e) throws StanzaException {
        return (Message) Stanza.of(e);
    }

    public Type type() {
        return type;
    }

    /** The first {@code <body/>}'s text, or null. */
    public String body() {
        return element.childText(Ns.CLIENT, "body");
    }

    public boolean hasBody() {
        return element.child(Ns.CLIENT, "body") != null;
    }

    @Override
    public Message withFrom(Jid f) {
        return new Message(elementWith("from", f), to(), f);
    }

    @Override
    public Message withTo(Jid t) {
        return new Message(elementWith("to", t), t, from());
    }

    @Override
    public Message withElement(XmlElement e) {
        return (Message) Stanza.trusted(e);
    }
}
