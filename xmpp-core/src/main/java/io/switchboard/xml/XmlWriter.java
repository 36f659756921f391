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
        byte[] bytes = toStreamString(e, Ns.CLIENT).getBytes(StandardCharsets.UTF_8);
        e.cacheC2sBytes(bytes);
        return bytes;
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

    public static void escapeText(String s, StringBuilder sb) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\r' -> sb.append("&#13;");
                default -> sb.append(c);
            }
        }
    }

    public static void escapeAttr(String s, StringBuilder sb) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\'' -> sb.append("&apos;");
                case '"' -> sb.append("&quot;");
                case '\t' -> sb.append("&#9;");
                case '\n' -> sb.append("&#10;");
                case '\r' -> sb.append("&#13;");
                default -> sb.append(c);
            }
        }
    }

    public static String escapeAttr(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        escapeAttr(s, sb);
        return sb.toString();
    }
}
