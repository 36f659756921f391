package io.switchboard.stanza;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.Objects;

/**
 * A stanza error (RFC 6120 §8.3): a type, a defined condition and optional text. The factory
 * methods use the error type the RFC gives each condition in its examples.
 */
public record StanzaError(Type type, String condition, String text, XmlElement appCondition) {

    /** Error types of RFC 6120 §8.3.2. */
    public enum Type {
        AUTH, CANCEL, CONTINUE, MODIFY, WAIT;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Type parse(String s) {
            for (Type t : values()) {
                if (t.wire().equals(s)) {
                    return t;
                }
            }
            return CANCEL;
        }
    }

    public StanzaError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(condition, "condition");
    }

    public StanzaError(Type type, String condition, String text) {
        this(type, condition, text, null);
    }

    public StanzaError withText(String t) {
        return new StanzaError(type, condition, t, appCondition);
    }

    public StanzaError withAppCondition(XmlElement app) {
        return new StanzaError(type, condition, text, app);
    }

    public static StanzaError badRequest(String text) {
        return new StanzaError(Type.MODIFY, "bad-request", text);
    }

    public static StanzaError conflict(String text) {
        return new StanzaError(Type.CANCEL, "conflict", text);
    }

    public static StanzaError featureNotImplemented(String text) {
        return new StanzaError(Type.CANCEL, "feature-not-implemented", text);
    }

    public static StanzaError forbidden(String text) {
        return new StanzaError(Type.AUTH, "forbidden", text);
    }

    public static StanzaError internalServerError(String text) {
        return new StanzaError(Type.WAIT, "internal-server-error", text);
    }

    public static StanzaError itemNotFound(String text) {
        return new StanzaError(Type.CANCEL, "item-not-found", text);
    }

    public static StanzaError jidMalformed(String text) {
        return new StanzaError(Type.MODIFY, "jid-malformed", text);
    }

    public static StanzaError notAcceptable(String text) {
        return new StanzaError(Type.MODIFY, "not-acceptable", text);
    }

    public static StanzaError notAllowed(String text) {
        return new StanzaError(Type.CANCEL, "not-allowed", text);
    }

    public static StanzaError notAuthorized(String text) {
        return new StanzaError(Type.AUTH, "not-authorized", text);
    }

    public static StanzaError policyViolation(String text) {
        return new StanzaError(Type.MODIFY, "policy-violation", text);
    }

    public static StanzaError recipientUnavailable(String text) {
        return new StanzaError(Type.WAIT, "recipient-unavailable", text);
    }

    public static StanzaError registrationRequired(String text) {
        return new StanzaError(Type.AUTH, "registration-required", text);
    }

    public static StanzaError remoteServerNotFound(String text) {
        return new StanzaError(Type.CANCEL, "remote-server-not-found", text);
    }

    public static StanzaError remoteServerTimeout(String text) {
        return new StanzaError(Type.WAIT, "remote-server-timeout", text);
    }

    public static StanzaError resourceConstraint(String text) {
        return new StanzaError(Type.WAIT, "resource-constraint", text);
    }

    public static StanzaError serviceUnavailable(String text) {
        return new StanzaError(Type.CANCEL, "service-unavailable", text);
    }

    public static StanzaError subscriptionRequired(String text) {
        return new StanzaError(Type.AUTH, "subscription-required", text);
    }

    public static StanzaError undefinedCondition(String text) {
        return new StanzaError(Type.CANCEL, "undefined-condition", text);
    }

    public static StanzaError unexpectedRequest(String text) {
        return new StanzaError(Type.WAIT, "unexpected-request", text);
    }

    /** The {@code <error/>} child element. */
    public XmlElement toElement() {
        XmlElement.Builder b = XmlElement.builder(Ns.CLIENT, "error").attr("type", type.wire());
        b.emptyChild(Ns.STANZA_ERRORS, condition);
        if (text != null && !text.isEmpty()) {
            b.child(XmlElement.builder(Ns.STANZA_ERRORS, "text").attr(io.switchboard.xml.XmlName.of(Ns.XML, "lang"), "en")
                    .text(text).build());
        }
        if (appCondition != null) {
            b.child(appCondition);
        }
        return b.build();
    }

    /** Reads the {@code <error/>} child of an error stanza, or null if it has none. */
    public static StanzaError fromStanza(XmlElement stanza) {
        XmlElement err = stanza.child(Ns.CLIENT, "error");
        if (err == null) {
            return null;
        }
        XmlElement cond = err.childInNs(Ns.STANZA_ERRORS);
        String text = err.childText(Ns.STANZA_ERRORS, "text");
        String c = cond == null || cond.local().equals("text") ? "undefined-condition" : cond.local();
        return new StanzaError(Type.parse(err.attr("type")), c, text);
    }
}
