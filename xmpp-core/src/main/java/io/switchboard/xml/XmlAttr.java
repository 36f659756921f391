package io.switchboard.xml;

import java.util.Objects;

/** One attribute: a qualified name and its unescaped value. Namespace declarations are not attributes. */
public record XmlAttr(XmlName name, String value) {
    public XmlAttr {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
