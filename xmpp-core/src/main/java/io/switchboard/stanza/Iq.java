package io.switchboard.stanza;

import io.switchboard.jid.Jid;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlNode;
import java.util.List;

/** An {@code <iq/>} stanza (RFC 6120 §8.2.3). */
public final class Iq extends Stanza {

    /** IQ types; every IQ has exactly one. */
    public enum Type {
        GET, SET, RESULT, ERROR;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public boolean isRequest() {
            return this == GET || this == SET;
        }
    }

    private final Type type;

    private Iq(XmlElement e, Jid to, Jid from, Type type) {
        super(e, to, from);
        this.type = type;
    }

    static Iq create(XmlElement e, Jid to, Jid from) throws StanzaException {
        String t = e.attr("type");
        Type type;
        if (t == null) {
            throw new StanzaException(StanzaError.badRequest("IQ without a type"));
        }
        switch (t) {
            case "get" -> type = Type.GET;
            case "set" -> type = Type.SET;
            case "result" -> type = Type.RESULT;
            case "error" -> type = Type.ERROR;
            default -> throw new StanzaException(StanzaError.badRequest("invalid IQ type"));
        }
        if (e.attr("id") == null) {
            throw new StanzaException(StanzaError.badRequest("IQ without an id"));
        }
        if (type.isRequest()) {
            int n = 0;
            for (XmlNode c : e.children()) {
                if (c instanceof XmlElement ce && !ce.is(Ns.CLIENT, "error")) {
                    n++;
                }
            }
            if (n != 1) {
                throw new StanzaException(StanzaError.badRequest("an IQ request has exactly one payload element"));
            }
        }
        return new Iq(e, to, from, type);
    }

    public static Iq of(XmlElement e) throws StanzaException {
        return (Iq) Stanza.of(e);
    }

    public Type type() {
        return type;
    }

    /** The payload element of a request, or the first child of a result (null if empty). */
    public XmlElement payload() {
        for (XmlNode c : element.children()) {
            if (c instanceof XmlElement ce && !ce.is(Ns.CLIENT, "error")) {
                return ce;
            }
        }
        return null;
    }

    /** An empty {@code type='result'} reply. */
    public Iq result() {
        return result(null);
    }

    /** A {@code type='result'} reply carrying {@code payload} (null for none). */
    public Iq result(XmlElement payload) {
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "iq").attr("type", "result").attr("id", id());
        if (from() != null) {
            b.attr("to", from().toString());
        }
        if (to() != null) {
            b.attr("from", to().toString());
        }
        b.child(payload);
        return (Iq) trusted(b.build());
    }

    /** A new request. */
    public static Iq request(Type type, String id, Jid from, Jid to, XmlElement payload) {
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "iq").attr("type", type.wire()).attr("id", id);
        if (to != null) {
            b.attr("to", to.toString());
        }
        if (from != null) {
            b.attr("from", from.toString());
        }
        b.child(payload);
        return (Iq) trusted(b.build());
    }

    @Override
    public Iq withFrom(Jid f) {
        return new Iq(elementWith("from", f), to(), f, type);
    }

    @Override
    public Iq withTo(Jid t) {
        return new Iq(elementWith("to", t), t, from(), type);
    }

    @Override
    public Iq withElement(XmlElement e) {
        return (Iq) Stanza.trusted(e);
    }

    List<XmlNode> children() {
        return element.children();
    }
}
