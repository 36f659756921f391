package io.switchboard.xml;

import java.nio.charset.StandardCharsets;

/**
 * Serializes the immutable tree. Namespaces are written as default-namespace declarations where
 * an element's namespace differs from its parent's; elements of the streams namespace are written
 * with the conventional {@code stream:} prefix; attributes in a namespace other than {@code xml}
 * get a generated prefix declared on their element.
 *
 * <p>Stanzas are held internally in {@code jabber:client}. When written to a stream whose content
 * namespace is another one ({@code jabber:server}), elements of the top-level chain that are in
 * {@code jabber:client} are written in the stream's content namespace instead.
 *
 * @implNote stateless and thread-safe.
 */
public final class XmlWriter {

    private XmlWriter() {
    }

    /** A self-contained document fragment with every namespace declared; for logs, storage and tests. */
    public static String toXml(XmlElement e) {
        StringBuilder sb = new StringBuilder(128);
        write(e, sb, "", null, false, true);
        return sb.toString();
    }

    /**
     * The element as written inside a client stream ({@code xmlns='jabber:client'} and
     * {@code xmlns:stream} declared on the stream header). Cached on the element.
     */
    public static byte[] c2sBytes(XmlElement e) {
        byte[] cached = e.cachedC2sBytes();
        if (cached != null) {
            return cached;
        }
        XmlElement.SharedContent sc = e.sharedContent();
        byte[] bytes = sc != null && e.ns().equals(Ns.CLIENT) ? fromSharedContent(e, sc) : null;
        if (bytes == null) {
            bytes = toStreamString(e, Ns.CLIENT).getBytes(StandardCharsets.UTF_8);
        }
        e.cacheC2sBytes(bytes);
        return bytes;
    }

    /**
     * A top-level stanza in {@code jabber:client} whose children are shared with other copies:
     * only the start tag is written, the children's bytes are serialized once for all copies.
     * Null when the attributes need namespace declarations (the general path handles those).
     */
    private static byte[] fromSharedContent(XmlElement e, XmlElement.SharedContent sc) {
        StringBuilder head = new StringBuilder(96).append('<').append(e.local());
        for (XmlAttr a : e.attrs()) {
            String ans = a.name().ns();
            if (ans.isEmpty()) {
                head.append(' ').append(a.name().local());
            } else if (ans.equals(Ns.XML)) {
                head.append(" xml:").append(a.name().local());
            } else {
                return null;
            }
            head.append("='");
            escapeAttr(a.value(), head);
            head.append('\'');
        }
        head.append('>');
        byte[] inner = sc.c2sInner;
        if (inner == null) {
            StringBuilder sb = new StringBuilder(256);
            for (XmlNode n : e.children()) {
                if (n instanceof XmlText t) {
                    escapeText(t.text(), sb);
                } else {
                    write((XmlElement) n, sb, Ns.CLIENT, Ns.CLIENT, true, false);
                }
            }
            inner = sb.toString().getBytes(StandardCharsets.UTF_8);
            sc.c2sInner = inner;
        }
        byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] end = ("</" + e.local() + ">").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[start.length + inner.length + end.length];
        System.arraycopy(start, 0, out, 0, start.length);
        System.arraycopy(inner, 0, out, start.length, inner.length);
        System.arraycopy(end, 0, out, start.length + inner.length, end.length);
        return out;
    }

    /** The element as written inside a stream whose default (content) namespace is {@code contentNs}. */
    public static byte[] streamBytes(XmlElement e, String contentNs) {
        if (Ns.CLIENT.equals(contentNs)) {
            return c2sBytes(e);
        }
        return toStreamString(e, contentNs).getBytes(StandardCharsets.UTF_8);
    }

    public static String toStreamString(XmlElement e, String contentNs) {
        StringBuilder sb = new StringBuilder(256);
        write(e, sb, contentNs, contentNs, true, false);
        return sb.toString();
    }

    /**
     * Writes {@code e}.
     *
     * @param inheritedNs  default namespace in scope from the parent
     * @param wireContentNs the stream's content namespace, or null outside a stream
     * @param chain        true while every ancestor is in the content chain
     * @param declareStreamPrefix true when {@code xmlns:stream} is not in scope yet
     */
    private static void write(XmlElement e, StringBuilder sb, String inheritedNs, String wireContentNs,
                              boolean chain, boolean declareStreamPrefix) {
        String ns = e.ns();
        boolean inChain = chain && ns.equals(Ns.CLIENT) && wireContentNs != null;
        String effectiveNs = inChain ? wireContentNs : ns;
        boolean streamPrefixed = ns.equals(Ns.STREAMS);
        sb.append('<');
        if (streamPrefixed) {
            sb.append("stream:");
        }
        sb.append(e.local());
        String childInherited = inheritedNs;
        boolean childDeclareStream = declareStreamPrefix;
        if (streamPrefixed) {
            if (declareStreamPrefix) {
                sb.append(" xmlns:stream='").append(Ns.STREAMS).append('\'');
                childDeclareStream = false;
            }
        } else if (!effectiveNs.equals(inheritedNs)) {
            sb.append(" xmlns='");
            escapeAttr(effectiveNs, sb);
            sb.append('\'');
            childInherited = effectiveNs;
        }
        int generated = 0;
        for (XmlAttr a : e.attrs()) {
            String ans = a.name().ns();
            sb.append(' ');
            if (ans.isEmpty()) {
                sb.append(a.name().local());
            } else if (ans.equals(Ns.XML)) {
                sb.append("xml:").append(a.name().local());
            } else if (ans.equals(Ns.STREAMS)) {
                if (childDeclareStream) {
                    sb.append("xmlns:stream='").append(Ns.STREAMS).append("' ");
                    childDeclareStream = false;
                }
                sb.append("stream:").append(a.name().local());
            } else {
                String prefix = "ns" + generated++;
                sb.append("xmlns:").append(prefix).append("='");
                escapeAttr(ans, sb);
                sb.append("' ").append(prefix).append(':').append(a.name().local());
            }
            sb.append("='");
            escapeAttr(a.value(), sb);
            sb.append('\'');
        }
        if (e.children().isEmpty()) {
            sb.append("/>");
            return;
        }
        sb.append('>');
        boolean childChain = streamPrefixed ? chain : inChain;
        for (XmlNode n : e.children()) {
            if (n instanceof XmlText t) {
                escapeText(t.text(), sb);
            } else {
                write((XmlElement) n, sb, childInherited, wireContentNs, childChain, childDeclareStream);
            }
        }
        sb.append("</");
        if (streamPrefixed) {
            sb.append("stream:");
        }
        sb.append(e.local()).append('>');
    }

    /**
     * Appends character data escaped. Runs without anything to escape are appended whole (an array
     * copy), not character by character: message bodies are most of what the server writes, and
     * the per-character loop was the largest single cost of serializing them.
     */
    public static void escapeText(String s, StringBuilder sb) {
        escape(s, sb, false);
    }

    /** Appends an attribute value escaped for single or double quotes; runs appended whole. */
    public static void escapeAttr(String s, StringBuilder sb) {
        escape(s, sb, true);
    }

    private static void escape(String s, StringBuilder sb, boolean attr) {
        int n = s.length();
        int from = 0;
        for (int i = 0; i < n; i++) {
            String rep = switch (s.charAt(i)) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '\r' -> "&#13;";
                case '\'' -> attr ? "&apos;" : null;
                case '"' -> attr ? "&quot;" : null;
                case '\t' -> attr ? "&#9;" : null;
                case '\n' -> attr ? "&#10;" : null;
                default -> null;
            };
            if (rep != null) {
                sb.append(s, from, i).append(rep);
                from = i + 1;
            }
        }
        appendRest(s, from, sb);
    }

    private static void appendRest(String s, int from, StringBuilder sb) {
        if (from == 0) {
            sb.append(s);
        } else if (from < s.length()) {
            sb.append(s, from, s.length());
        }
    }

    public static String escapeAttr(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        escapeAttr(s, sb);
        return sb.toString();
    }
}
