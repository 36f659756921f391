package io.switchboard.xml;

import java.util.Objects;

/**
 * A namespace-qualified XML name. Identity is the exact (namespace, local name) pair: prefixes
 * are never part of an element's identity, so a smuggled prefix cannot turn an element into
 * another one (security.md A10).
 *
 * @param ns    namespace URI, {@code ""} when the name is in no namespace
 * @param local local name
 */
public record XmlName(String ns, String local) {

    public XmlName {
        Objects.requireNonNull(ns, "ns");
        Objects.requireNonNull(local, "local");
    }

    public static XmlName of(String ns, String local) {
        return new XmlName(ns, local);
    }

    /** A name in no namespace, the usual case for attributes. */
    public static XmlName local(String local) {
        return new XmlName("", local);
    }

    @Override
    public String toString() {
        return ns.isEmpty() ? local : "{" + ns + "}" + local;
    }
}
