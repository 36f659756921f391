package io.switchboard.xml;

/**
 * Limits the parser enforces while it reads, before anything is buffered past them
 * (security.md A7, A8).
 *
 * @param maxStanzaBytes     bytes of one top-level element, counted while it is still arriving
 * @param maxDepth           nesting depth below the stream element (a stanza is depth 1)
 * @param maxAttributes      attributes plus namespace declarations on one element
 * @param maxNameLength      characters of an element or attribute name (prefix included)
 * @param maxElements        elements inside one top-level element
 */
public record XmlLimits(int maxStanzaBytes, int maxDepth, int maxAttributes, int maxNameLength, int maxElements) {

    public XmlLimits {
        if (maxStanzaBytes < 512 || maxDepth < 2 || maxAttributes < 4 || maxNameLength < 16 || maxElements < 16) {
            throw new IllegalArgumentException("XML limits are too small to carry XMPP: " + maxStanzaBytes + "/"
                    + maxDepth + "/" + maxAttributes + "/" + maxNameLength + "/" + maxElements);
        }
    }

    /** Defaults before authentication: 8 KiB stanzas. */
    public static XmlLimits preAuthDefaults() {
        return new XmlLimits(8 * 1024, 16, 32, 256, 256);
    }

    /** Defaults for authenticated client streams: 256 KiB stanzas. */
    public static XmlLimits c2sDefaults() {
        return new XmlLimits(256 * 1024, 32, 64, 1024, 10_000);
    }

    public XmlLimits withMaxStanzaBytes(int bytes) {
        return new XmlLimits(bytes, maxDepth, maxAttributes, maxNameLength, maxElements);
    }
}
