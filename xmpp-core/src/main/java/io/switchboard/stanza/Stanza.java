package io.switchboard.stanza;

import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.Objects;

/**
 * A message, presence or IQ stanza: an immutable element with its header ({@code to},
 * {@code from}, {@code id}, {@code type}) parsed once. Copies made by {@code withFrom} and
 * {@code withTo} share the element's children.
 *
 * @implNote immutable and thread-safe.
 */
public abstract sealed class Stanza permits Message, Presence, Iq {

    protected final XmlElement element;
    private final Jid to;
    private final Jid from;

    protected Stanza(XmlElement element, Jid to, Jid from) {
        this.element = Objects.requireNonNull(element);
        this.to = to;
        this.from = from;
    }

    /**
     * Wraps a top-level element in {@code jabber:client}.
     *
     * @throws StanzaException {@code jid-malformed} for a bad {@code to} or {@code from}, {@code bad-request}
     *                         for an IQ without a valid type
     * @throws IllegalArgumentException when the element is not a stanza at all
     */
    public static Stanza of(XmlElement e) throws StanzaException {
        if (!e.ns().equals(Ns.CLIENT)) {
            throw new IllegalArgumentException("not a stanza: " + e.name());
        }
        Jid to = jid(e, "to");
        Jid from = jid(e, "from");
        return switch (e.local()) {
            case "message" -> new Message(e, to, from);
            case "presence" -> new Presence(e, to, from);
            case "iq" -> Iq.create(e, to, from);
            default -> throw new IllegalArgumentException("not a stanza: " + e.name());
        };
    }

    /** Like {@link #of(XmlElement)} for elements built by the server itself, which are known to be valid. */
    public static Stanza trusted(XmlElement e) {
        try {
            return of(e);
        } catch (StanzaException ex) {
            throw new IllegalArgumentException("invalid stanza built by the server: " + ex.getMessage(), ex);
        }
    }

    public static boolean isStanza(XmlElement e) {
        if (!e.ns().equals(Ns.CLIENT)) {
            return false;
        }
        String l = e.local();
        return l.equals("message") || l.equals("presence") || l.equals("iq");
    }

    private static Jid jid(XmlElement e, String attr) throws StanzaException {
        String v = e.attr(attr);
        if (v == null) {
            return null;
        }
        try {
            return Jid.of(v);
        } catch (MalformedJidException ex) {
            throw new StanzaException(StanzaError.jidMalformed("malformed '" + attr + "' address"));
        }
    }

    public XmlElement element() {
        return element;
    }

    /** The addressee, or null (meaning the sender's own account, RFC 6120 §10.3). */
    public Jid to() {
        return to;
    }

    public Jid from() {
        return from;
    }

    public String id() {
        return element.attr("id");
    }

    /** The raw {@code type} attribute, or null. */
    public String typeAttr() {
        return element.attr("type");
    }

    public boolean isError() {
        return "error".equals(element.attr("type"));
    }

    public String lang() {
        return element.attr(io.switchboard.xml.XmlName.of(Ns.XML, "lang"));
    }

    /** A copy with {@code from} set (null removes it). */
    public abstract Stanza withFrom(Jid from);

    /** A copy with {@code to} set (null removes it). */
    public abstract Stanza withTo(Jid to);

    /** A copy with another element (same kind), re-reading the header. */
    public abstract Stanza withElement(XmlElement e);

    protected XmlElement elementWith(String attr, Jid value) {
        return element.withAttr(attr, value == null ? null : value.toString());
    }

    /**
     * The error reply to this stanza (RFC 6120 §8.3.1): addresses swapped, {@code type='error'},
     * the original children kept, and the error condition added.
     */
    public Stanza errorReply(StanzaError error) {
        XmlElement.Builder b = XmlElement.builder(element.name());
        b.attr("id", id());
        if (from != null) {
            b.attr("to", from.toString());
        }
        if (to != null) {
            b.attr("from", to.toString());
        }
        b.attr("type", "error");
        String lang = lang();
        if (lang != null) {
            b.attr(io.switchboard.xml.XmlName.of(Ns.XML, "lang"), lang);
        }
        for (var n : element.children()) {
            if (!(n instanceof XmlElement c && c.is(Ns.CLIENT, "error"))) {
                b.child(n);
            }
        }
        b.child(error.toElement());
        return trusted(b.build());
    }

    @Override
    public String toString() {
        return element.toString();
    }
}
