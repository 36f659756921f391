package io.switchboard.stanza;

import io.switchboard.jid.Jid;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;

/** A {@code <presence/>} stanza (RFC 6121 §4). */
public final class Presence extends Stanza {

    /** Presence types; {@link #AVAILABLE} is the absent type attribute. */
    public enum Type {
        AVAILABLE(null), UNAVAILABLE("unavailable"), SUBSCRIBE("subscribe"), SUBSCRIBED("subscribed"),
        UNSUBSCRIBE("unsubscribe"), UNSUBSCRIBED("unsubscribed"), PROBE("probe"), ERROR("error"),
        /** A type attribute with a value RFC 6121 does not define. */
        INVALID("");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Type parse(String s) {
            if (s == null) {
                return AVAILABLE;
            }
            for (Type t : values()) {
                if (t.wire != null && t != INVALID && t.wire.equals(s)) {
                    return t;
                }
            }
            return INVALID;
        }

        public boolean isSubscription() {
            return this == SUBSCRIBE || this == SUBSCRIBED || this == UNSUBSCRIBE || this == UNSUBSCRIBED;
        }
    }

    private final Type type;

    Presence(XmlElement e, Jid to, Jid from) {
        super(e, to, from);
        this.type = Type.parse(e.attr("type"));
    }

    public static Presence of(XmlElement e) throws StanzaException {
        return (Presence) Stanza.of(e);
    }

    public Type type() {
        return type;
    }

    /** Priority (RFC 6121 §4.7.2.3), 0 when absent or invalid, clamped to -128..127. */
    public int priority() {
        String p = element.childText(Ns.CLIENT, "priority");
        if (p == null) {
            return 0;
        }
        try {
            int v = Integer.parseInt(p.trim());
            return Math.max(-128, Math.min(127, v));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public String show() {
        return element.childText(Ns.CLIENT, "show");
    }

    public String status() {
        return element.childText(Ns.CLIENT, "status");
    }

    @Override
    public Presence withFrom(Jid f) {
        return new Presence(elementWith("from", f), to(), f);
    }

    @Override
    public Presence withTo(Jid t) {
        return new Presence(elementWith("to", t), t, from());
    }

    @Override
    public Presence withElement(XmlElement e) {
        return (Presence) Stanza.trusted(e);
    }

    /** {@code <presence type='...'/>} with the given addresses (either may be null). */
    public static Presence build(Type type, Jid from, Jid to) {
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "presence");
        if (to != null) {
            b.attr("to", to.toString());
        }
        if (from != null) {
            b.attr("from", from.toString());
        }
        if (type.wire() != null) {
            b.attr("type", type.wire());
        }
        return (Presence) Stanza.trusted(b.build());
    }
}
