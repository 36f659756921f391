package io.switchboard.xml;

/**
 * The input cannot continue as an XMPP stream. {@link #condition()} is the RFC 6120 §4.9.3
 * stream error condition that the stream layer sends before closing.
 */
public final class XmlStreamException extends Exception {

    /** Stream error conditions the parser can raise. */
    public enum Condition {
        NOT_WELL_FORMED("not-well-formed"),
        RESTRICTED_XML("restricted-xml"),
        POLICY_VIOLATION("policy-violation"),
        UNSUPPORTED_ENCODING("unsupported-encoding"),
        BAD_FORMAT("bad-format"),
        BAD_NAMESPACE_PREFIX("bad-namespace-prefix");

        private final String element;

        Condition(String element) {
            this.element = element;
        }

        /** Local name of the condition element in {@code urn:ietf:params:xml:ns:xmpp-streams}. */
        public String element() {
            return element;
        }
    }

    private final Condition condition;

    public XmlStreamException(Condition condition, String message) {
        super(message);
        this.condition = condition;
    }

    public XmlStreamException(Condition condition, String message, Throwable cause) {
        super(message, cause);
        this.condition = condition;
    }

    public Condition condition() {
        return condition;
    }
}
