package io.switchboard.stanza;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlName;

/**
 * A stream error (RFC 6120 §4.9): the condition element name in
 * {@code urn:ietf:params:xml:ns:xmpp-streams} and optional human-readable text.
 */
public record StreamError(String condition, String text) {

    public static StreamError of(String condition) {
        return new StreamError(condition, null);
    }

    public static StreamError of(String condition, String text) {
        return new StreamError(condition, text);
    }

    public XmlElement toElement() {
        XmlElement.Builder b = XmlElement.builder(Ns.STREAMS, "error").emptyChild(Ns.STREAM_ERRORS, condition);
        if (text != null && !text.isEmpty()) {
            b.child(XmlElement.builder(Ns.STREAM_ERRORS, "text").attr(XmlName.of(Ns.XML, "lang"), "en").text(text).build());
        }
        return b.build();
    }

    @Override
    public String toString() {
        return condition + (text == null ? "" : " (" + text + ")");
    }
}
