package io.switchboard.xml;

import java.nio.charset.StandardCharsets;

/** Parses a stored XML fragment (as written by {@link XmlWriter#toXml}) back into an element. */
public final class XmlFragments {

    private static final byte[] OPEN = ("<stream:stream xmlns='jabber:client' xmlns:stream='" + Ns.STREAMS + "'>")
            .getBytes(StandardCharsets.UTF_8);
    private static final XmlLimits LIMITS = new XmlLimits(16 * 1024 * 1024, 128, 1024, 4096, 1_000_000);

    private XmlFragments() {
    }

    /**
     * @throws IllegalArgumentException when the text is not exactly one well-formed element
     */
    public static XmlElement parse(String xml) {
        XmlElement[] out = new XmlElement[1];
        int[] count = new int[1];
        XmlStreamParser p = new XmlStreamParser(LIMITS, new XmlStreamParser.Listener() {
            @Override
            public void streamOpen(StreamHeader header) {
            }

            @Override
            public boolean element(XmlElement element) {
                out[0] = element;
                count[0]++;
                return true;
            }

            @Override
            public void streamClose() {
            }

            @Override
            public void whitespace() {
            }
        });
        p.setNegotiating(false);
        try {
            p.feed(OPEN, 0, OPEN.length);
            byte[] b = xml.getBytes(StandardCharsets.UTF_8);
            p.feed(b, 0, b.length);
        } catch (XmlStreamException e) {
            throw new IllegalArgumentException("not a well-formed XML fragment: " + e.getMessage(), e);
        }
        if (count[0] != 1) {
            throw new IllegalArgumentException("expected exactly one element, found " + count[0]);
        }
        return out[0];
    }
}
