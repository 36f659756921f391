package io.switchboard.xml;

import com.fasterxml.aalto.AsyncByteArrayFeeder;
import com.fasterxml.aalto.AsyncXMLInputFactory;
import com.fasterxml.aalto.AsyncXMLStreamReader;
import com.fasterxml.aalto.stax.InputFactoryImpl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;

/**
 * Incremental, non-blocking parser of one XMPP stream. Bytes go in as they arrive from the socket,
 * in pieces of any size; out come the stream header, complete top-level elements as immutable
 * trees, whitespace keepalives and the stream close. Built on Aalto's asynchronous parser with
 * restricted XML (RFC 6120 §11.1) and limits enforced while the bytes arrive (§13.12).
 *
 * <p><b>Pausing.</b> The listener may ask to pause after an element (STARTTLS and SASL elements
 * change how the rest of the bytes must be read). Bytes after that element stay unread until
 * {@link #resume(boolean)}; {@link #hasLeftover()} tells whether the peer pipelined any. To know
 * exactly where such an element ends, input is fed in pieces that end at each {@code >} while the
 * stream is {@linkplain #setNegotiating(boolean) negotiating}.
 *
 * @implNote not thread-safe: one instance per stream, used by one thread at a time.
 */
public final class XmlStreamParser {

    /** Receives what the parser reads. */
    public interface Listener {
        void streamOpen(StreamHeader header) throws XmlStreamException;

        /**
         * A complete top-level element.
         *
         * @return true to go on reading, false to pause right after this element
         */
        boolean element(XmlElement element) throws XmlStreamException;

        void streamClose();

        /** Whitespace between top-level elements (a keepalive). */
        void whitespace();
    }

    private static final AsyncXMLInputFactory FACTORY = createFactory();
    private static final int ESTABLISHED_SLICE = 8192;
    private static final int NEGOTIATING_SLICE = 512;

    private final Listener listener;
    private XmlLimits limits;
    private boolean negotiating = true;

    private AsyncXMLStreamReader<AsyncByteArrayFeeder> reader;
    private final Utf8Validator utf8 = new Utf8Validator();
    /** Stream depth: 0 before the header, 1 inside the stream, 2 and more inside a top-level element. */
    private int depth;
    private boolean started;
    private boolean closed;
    private boolean paused;
    private boolean failed;
    /** Bytes still to be parsed, kept while paused. */
    private byte[] pending;
    private int pendingOff;
    private int pendingLen;
    /** Bytes fed to the current top-level unit since it began (element, or the header). */
    private long unitBytes;
    private int elementsInUnit;
    private String contentNs = "";
    private boolean mapContentNs;
    /** Recent bytes showed a DOCTYPE or ENTITY declaration: report restricted-xml, not not-well-formed. */
    private boolean sawDeclaration;
    private int declScan;

    private final List<ElementBuilder> stack = new ArrayList<>();

    public XmlStreamParser(XmlLimits limits, Listener listener) {
        this.limits = limits;
        this.listener = listener;
        this.reader = FACTORY.createAsyncForByteArray();
    }

    private static AsyncXMLInputFactory createFactory() {
        AsyncXMLInputFactory f = new InputFactoryImpl();
        // DTDs are reported (then refused by us), never processed; no entity is ever resolved.
        f.setProperty(XMLInputFactory.SUPPORT_DTD, Boolean.TRUE);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, Boolean.FALSE);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, Boolean.FALSE);
        f.setProperty(XMLInputFactory.IS_COALESCING, Boolean.FALSE);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, Boolean.TRUE);
        return f;
    }

    public void setLimits(XmlLimits limits) {
        this.limits = limits;
    }

    public XmlLimits limits() {
        return limits;
    }

    /**
     * While negotiating, input is fed in pieces ending at each {@code >} so that a pause leaves
     * exactly the bytes after the pausing element unread; once the session is established, larger
     * pieces are fed.
     */
    public void setNegotiating(boolean negotiating) {
        this.negotiating = negotiating;
    }

    public boolean isPaused() {
        return paused;
    }

    public boolean isClosed() {
        return closed;
    }

    /** True when paused with bytes of the peer's still unread (it pipelined after the pausing element). */
    public boolean hasLeftover() {
        return pendingLen > 0;
    }

    /**
     * Feeds bytes from the socket. The array is not retained after the call returns.
     *
     * @throws XmlStreamException the stream cannot continue; send the condition and close
     * @throws IllegalStateException when called while paused
     */
    public void feed(byte[] b, int off, int len) throws XmlStreamException {
        if (paused) {
            throw new IllegalStateException("parser is paused");
        }
        if (closed || failed || len == 0) {
            return;
        }
        try {
            feedInternal(b, off, len);
        } catch (XmlStreamException e) {
            failed = true;
            throw e;
        }
    }

    /**
     * Continues after a pause.
     *
     * @param restart true for a stream restart (RFC 6120 §4.3.3): the bytes that follow begin a new
     *                stream with its own header
     */
    public void resume(boolean restart) throws XmlStreamException {
        if (!paused) {
            throw new IllegalStateException("parser is not paused");
        }
        byte[] p = pending;
        int po = pendingOff;
        int pl = pendingLen;
        pending = null;
        pendingLen = 0;
        paused = false;
        if (restart) {
            restart();
        }
        if (p != null && pl > 0) {
            feed(p, po, pl);
        }
    }

    /** Drops everything, paused input included, and starts over (after the STARTTLS handshake). */
    public void reset() {
        paused = false;
        failed = false;
        pending = null;
        pendingLen = 0;
        restart();
    }

    /** Discards all state: the next bytes start a new stream (after TLS, after SASL). */
    public void restart() {
        reader = FACTORY.createAsyncForByteArray();
        depth = 0;
        started = false;
        closed = false;
        stack.clear();
        unitBytes = 0;
        elementsInUnit = 0;
        contentNs = "";
        mapContentNs = false;
        sawDeclaration = false;
        declScan = 0;
    }

    private void feedInternal(byte[] b, int off, int len) throws XmlStreamException {
        int end = off + len;
        int pos = off;
        if (!started) {
            pos = checkStart(b, pos, end);
            if (pos >= end) {
                return;
            }
        }
        int bad = utf8.validate(b, pos, end - pos);
        if (bad >= 0) {
            throw new XmlStreamException(XmlStreamException.Condition.NOT_WELL_FORMED,
                    "invalid UTF-8 byte 0x" + Integer.toHexString(b[bad] & 0xFF));
        }
        scanDeclarations(b, pos, end);
        // Aalto keeps a reference to the array it is fed until it has consumed it: give it a copy.
        byte[] copy = Arrays.copyOfRange(b, pos, end);
        int cpos = 0;
        int cend = copy.length;
        while (cpos < cend && !closed) {
            int sliceEnd = sliceEnd(copy, cpos, cend);
            int sliceLen = sliceEnd - cpos;
            try {
                reader.getInputFeeder().feedInput(copy, cpos, sliceLen);
            } catch (XMLStreamException e) {
                throw notWellFormed(e);
            }
            unitBytes += sliceLen;
            cpos = sliceEnd;
            drain();
            if (paused) {
                pending = copy;
                pendingOff = cpos;
                pendingLen = cend - cpos;
                return;
            }
            if (!closed && unitBytes > limits.maxStanzaBytes()) {
                throw new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION,
                        "stanza larger than " + limits.maxStanzaBytes() + " bytes");
            }
        }
    }

    private int sliceEnd(byte[] b, int from, int end) {
        if (!negotiating) {
            return Math.min(end, from + ESTABLISHED_SLICE);
        }
        int max = Math.min(end, from + NEGOTIATING_SLICE);
        for (int i = from; i < max; i++) {
            if (b[i] == '>') {
                return i + 1;
            }
        }
        return max;
    }

    /** Skips a UTF-8 byte order mark and refuses UTF-16 and UTF-32 (RFC 6120 §11.6). */
    private int checkStart(byte[] b, int pos, int end) throws XmlStreamException {
        // Whitespace before the header is allowed and ignored.
        while (pos < end && isXmlSpace(b[pos])) {
            pos++;
        }
        if (pos >= end) {
            return pos;
        }
        int c0 = b[pos] & 0xFF;
        if (c0 == 0xFE || c0 == 0xFF || c0 == 0x00) {
            throw new XmlStreamException(XmlStreamException.Condition.UNSUPPORTED_ENCODING,
                    "only UTF-8 is supported");
        }
        if (c0 == 0xEF) {
            if (end - pos < 3) {
                // Too short to tell; accept only the complete BOM in one piece (clients send it whole).
                throw new XmlStreamException(XmlStreamException.Condition.NOT_WELL_FORMED, "truncated byte order mark");
            }
            if ((b[pos + 1] & 0xFF) == 0xBB && (b[pos + 2] & 0xFF) == 0xBF) {
                pos += 3;
            }
        }
        started = true;
        return pos;
    }

    private static boolean isXmlSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Notes {@code <!D} or {@code <!E} so that the parser error they cause is reported as restricted-xml. */
    private void scanDeclarations(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            byte c = b[i];
            switch (declScan) {
                case 0 -> declScan = c == '<' ? 1 : 0;
                case 1 -> declScan = c == '!' ? 2 : (c == '<' ? 1 : 0);
                default -> {
                    if (c == 'D' || c == 'E' || c == 'A' || c == 'N') {
                        sawDeclaration = true;
                    }
                    declScan = c == '<' ? 1 : 0;
                }
            }
        }
    }

    private XmlStreamException notWellFormed(Exception e) {
        if (sawDeclaration) {
            return new XmlStreamException(XmlStreamException.Condition.RESTRICTED_XML,
                    "DTDs and entity declarations are not allowed", e);
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = msg.indexOf('\n');
        if (nl > 0) {
            msg = msg.substring(0, nl);
        }
        if (msg.contains("Unbound namespace prefix")) {
            return new XmlStreamException(XmlStreamException.Condition.BAD_NAMESPACE_PREFIX, msg, e);
        }
        return new XmlStreamException(XmlStreamException.Condition.NOT_WELL_FORMED, msg, e);
    }

    private void drain() throws XmlStreamException {
        while (!paused && !closed) {
            int ev;
            try {
                ev = reader.next();
            } catch (XMLStreamException | RuntimeException e) {
                throw notWellFormed(e);
            }
            switch (ev) {
                case AsyncXMLStreamReader.EVENT_INCOMPLETE:
                    return;
                case XMLStreamConstants.START_DOCUMENT:
                    break;
                case XMLStreamConstants.START_ELEMENT:
                    startElement();
                    break;
                case XMLStreamConstants.END_ELEMENT:
                    endElement();
                    break;
                case XMLStreamConstants.CHARACTERS:
                case XMLStreamConstants.CDATA:
                case XMLStreamConstants.SPACE:
                    characters();
                    break;
                case XMLStreamConstants.COMMENT:
                    throw restricted("comments are not allowed");
                case XMLStreamConstants.PROCESSING_INSTRUCTION:
                    throw restricted("processing instructions are not allowed");
                case XMLStreamConstants.DTD:
                    throw restricted("DTDs are not allowed");
                case XMLStreamConstants.ENTITY_REFERENCE:
                    throw restricted("entity references are not allowed");
                case XMLStreamConstants.END_DOCUMENT:
                    closed = true;
                    return;
                default:
                    throw new XmlStreamException(XmlStreamException.Condition.NOT_WELL_FORMED, "unexpected XML event " + ev);
            }
        }
    }

    private static XmlStreamException restricted(String why) {
        return new XmlStreamException(XmlStreamException.Condition.RESTRICTED_XML, why);
    }

    private XmlName name(String ns, String local) {
        if (ns == null) {
            ns = "";
        }
        if (mapContentNs && ns.equals(contentNs)) {
            ns = Ns.CLIENT;
        }
        return new XmlName(ns, local);
    }

    private void startElement() throws XmlStreamException {
        int attrCount = reader.getAttributeCount();
        int nsCount = reader.getNamespaceCount();
        if (attrCount + nsCount > limits.maxAttributes()) {
            throw new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION,
                    "more than " + limits.maxAttributes() + " attributes on one element");
        }
        String local = reader.getLocalName();
        String prefix = reader.getPrefix();
        if (local.length() + (prefix == null ? 0 : prefix.length()) > limits.maxNameLength()) {
            throw new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION, "element name too long");
        }
        if (depth == 0) {
            streamHeader(attrCount, nsCount, local);
            return;
        }
        if (depth >= limits.maxDepth()) {
            throw new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION,
                    "elements nested deeper than " + limits.maxDepth());
        }
        if (++elementsInUnit > limits.maxElements()) {
            throw new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION,
                    "more than " + limits.maxElements() + " elements in one stanza");
        }
        List<XmlAttr> attrs = attrCount == 0 ? new ArrayList<>(0) : new ArrayList<>(attrCount);
        for (int i = 0; i < attrCount; i++) {
            String an = reader.getAttributeLocalName(i);
            String ap = reader.getAttributePrefix(i);
            if (an.length() + (ap == null ? 0 : ap.length()) > limits.maxNameLength()) {
                throw new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION, "attribute name too long");
            }
            String ans = reader.getAttributeNamespace(i);
            attrs.add(new XmlAttr(new XmlName(ans == null ? "" : ans, an), reader.getAttributeValue(i)));
        }
        stack.add(new ElementBuilder(name(reader.getNamespaceURI(), local), attrs));
        depth++;
    }

    private void streamHeader(int attrCount, int nsCount, String local) throws XmlStreamException {
        String version = reader.getVersion();
        String encoding = reader.getCharacterEncodingScheme();
        if (encoding != null && !encoding.equalsIgnoreCase("UTF-8")) {
            throw new XmlStreamException(XmlStreamException.Condition.UNSUPPORTED_ENCODING,
                    "encoding " + encoding + " is not supported; use UTF-8");
        }
        if (version != null && !version.equals("1.0")) {
            throw restricted("XML version " + version + " is not supported; use 1.0");
        }
        List<XmlAttr> attrs = new ArrayList<>(attrCount);
        for (int i = 0; i < attrCount; i++) {
            String ans = reader.getAttributeNamespace(i);
            attrs.add(new XmlAttr(new XmlName(ans == null ? "" : ans, reader.getAttributeLocalName(i)),
                    reader.getAttributeValue(i)));
        }
        String defaultNs = "";
        List<String> declared = new ArrayList<>(nsCount);
        for (int i = 0; i < nsCount; i++) {
            String p = reader.getNamespacePrefix(i);
            String uri = reader.getNamespaceURI(i);
            declared.add(uri == null ? "" : uri);
            if (p == null || p.isEmpty()) {
                defaultNs = uri == null ? "" : uri;
            }
        }
        String ns = reader.getNamespaceURI();
        contentNs = defaultNs;
        mapContentNs = defaultNs.equals(Ns.SERVER) || defaultNs.equals(Ns.COMPONENT_ACCEPT);
        depth = 1;
        unitBytes = 0;
        elementsInUnit = 0;
        listener.streamOpen(new StreamHeader(new XmlName(ns == null ? "" : ns, local), List.copyOf(attrs), defaultNs,
                List.copyOf(declared), version, encoding));
    }

    private void endElement() throws XmlStreamException {
        if (depth == 1) {
            depth = 0;
            closed = true;
            listener.streamClose();
            return;
        }
        ElementBuilder b = stack.remove(stack.size() - 1);
        XmlElement e = b.build();
        depth--;
        if (depth == 1) {
            unitBytes = 0;
            elementsInUnit = 0;
            if (!listener.element(e)) {
                paused = true;
            }
        } else {
            stack.get(stack.size() - 1).addChild(e);
        }
    }

    private void characters() throws XmlStreamException {
        if (depth <= 1) {
            String t = reader.getText();
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    throw new XmlStreamException(XmlStreamException.Condition.BAD_FORMAT,
                            "text is not allowed between stanzas");
                }
            }
            unitBytes = 0;
            listener.whitespace();
            return;
        }
        stack.get(stack.size() - 1).appendText(reader.getText());
    }

    /** Mutable element under construction; text runs are merged. */
    private static final class ElementBuilder {
        final XmlName name;
        final List<XmlAttr> attrs;
        final List<XmlNode> children = new ArrayList<>(2);
        StringBuilder text;

        ElementBuilder(XmlName name, List<XmlAttr> attrs) {
            this.name = name;
            this.attrs = attrs;
        }

        void appendText(String s) {
            if (text == null) {
                text = new StringBuilder(s.length());
            }
            text.append(s);
        }

        void addChild(XmlElement e) {
            flushText();
            children.add(e);
        }

        XmlElement build() {
            flushText();
            return XmlElement.ofOwned(name, attrs, children);
        }

        private void flushText() {
            if (text != null) {
                children.add(new XmlText(text.toString()));
                text = null;
            }
        }
    }
}
