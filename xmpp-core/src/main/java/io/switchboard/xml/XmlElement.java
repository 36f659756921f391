package io.switchboard.xml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An immutable XML element. Children are shared between copies, so {@code withAttr} and friends
 * copy only the spine that changes. Instances are safe to share between threads; the serialized
 * form is cached lazily by {@link XmlWriter} so that fan-out does not serialize again.
 */
public final class XmlElement implements XmlNode {

    private final XmlName name;
    private final List<XmlAttr> attrs;
    private final List<XmlNode> children;
    /** Cached UTF-8 serialization for the client-to-server wire form; benign data race. */
    private byte[] c2sBytes;
    /**
     * Shared by this element and the copies made by {@link #withAttr} (which keep the same
     * children): caches the serialized children, so that a stanza fanned out with a different
     * {@code to} per recipient serializes its content once. Created at the first such copy; benign
     * data race (a lost holder only loses the cache).
     */
    private SharedContent shared;

    /** The children's serialized form, shared between copies that differ only in attributes. */
    static final class SharedContent {
        volatile byte[] c2sInner;
    }

    private XmlElement(XmlName name, List<XmlAttr> attrs, List<XmlNode> children) {
        this.name = name;
        this.attrs = attrs;
        this.children = children;
    }

    public static XmlElement of(XmlName name, List<XmlAttr> attrs, List<XmlNode> children) {
        Objects.requireNonNull(name, "name");
        return new XmlElement(name, List.copyOf(attrs), List.copyOf(children));
    }

    /** Creates an element without copying the lists; the caller hands over ownership. */
    static XmlElement ofOwned(XmlName name, List<XmlAttr> attrs, List<XmlNode> children) {
        return new XmlElement(name,
                attrs.isEmpty() ? List.of() : Collections.unmodifiableList(attrs),
                children.isEmpty() ? List.of() : Collections.unmodifiableList(children));
    }

    public static Builder builder(String ns, String local) {
        return new Builder(new XmlName(ns, local));
    }

    public static Builder builder(XmlName name) {
        return new Builder(name);
    }

    /** An empty element {@code <local xmlns='ns'/>}. */
    public static XmlElement empty(String ns, String local) {
        return new XmlElement(new XmlName(ns, local), List.of(), List.of());
    }

    public XmlName name() {
        return name;
    }

    public String ns() {
        return name.ns();
    }

    public String local() {
        return name.local();
    }

    public boolean is(String ns, String local) {
        return name.ns().equals(ns) && name.local().equals(local);
    }

    public boolean is(XmlName other) {
        return name.equals(other);
    }

    public List<XmlAttr> attrs() {
        return attrs;
    }

    public List<XmlNode> children() {
        return children;
    }

    /** Value of an attribute in no namespace, or null. */
    public String attr(String local) {
        for (XmlAttr a : attrs) {
            if (a.name().ns().isEmpty() && a.name().local().equals(local)) {
                return a.value();
            }
        }
        return null;
    }

    public String attr(XmlName qname) {
        for (XmlAttr a : attrs) {
            if (a.name().equals(qname)) {
                return a.value();
            }
        }
        return null;
    }

    public Optional<String> optAttr(String local) {
        return Optional.ofNullable(attr(local));
    }

    /** Child elements, in document order. */
    public List<XmlElement> elements() {
        List<XmlElement> out = new ArrayList<>(children.size());
        for (XmlNode n : children) {
            if (n instanceof XmlElement e) {
                out.add(e);
            }
        }
        return out;
    }

    public void forEachElement(Consumer<XmlElement> c) {
        for (XmlNode n : children) {
            if (n instanceof XmlElement e) {
                c.accept(e);
            }
        }
    }

    /** Child elements with the given name. */
    public List<XmlElement> elements(String ns, String local) {
        List<XmlElement> out = new ArrayList<>(2);
        for (XmlNode n : children) {
            if (n instanceof XmlElement e && e.is(ns, local)) {
                out.add(e);
            }
        }
        return out;
    }

    /** First child element with the given name, or null. */
    public XmlElement child(String ns, String local) {
        for (XmlNode n : children) {
            if (n instanceof XmlElement e && e.is(ns, local)) {
                return e;
            }
        }
        return null;
    }

    /** First child element with the given local name in this element's own namespace, or null. */
    public XmlElement child(String local) {
        return child(name.ns(), local);
    }

    /** First child element in the given namespace, whatever its local name, or null. */
    public XmlElement childInNs(String ns) {
        for (XmlNode n : children) {
            if (n instanceof XmlElement e && e.ns().equals(ns)) {
                return e;
            }
        }
        return null;
    }

    /** First child element of any name, or null. */
    public XmlElement firstElement() {
        for (XmlNode n : children) {
            if (n instanceof XmlElement e) {
                return e;
            }
        }
        return null;
    }

    public boolean hasChild(String ns, String local) {
        return child(ns, local) != null;
    }

    /** Concatenation of the direct text children. */
    public String text() {
        if (children.isEmpty()) {
            return "";
        }
        if (children.size() == 1 && children.get(0) instanceof XmlText t) {
            return t.text();
        }
        StringBuilder sb = new StringBuilder();
        for (XmlNode n : children) {
            if (n instanceof XmlText t) {
                sb.append(t.text());
            }
        }
        return sb.toString();
    }

    /** Text of the first child element with this name in this element's namespace, or null. */
    public String childText(String local) {
        XmlElement c = child(local);
        return c == null ? null : c.text();
    }

    public String childText(String ns, String local) {
        XmlElement c = child(ns, local);
        return c == null ? null : c.text();
    }

    /** A copy with the attribute set (replacing any existing one of that name) or removed when value is null. */
    public XmlElement withAttr(String local, String value) {
        return withAttr(XmlName.local(local), value);
    }

    public XmlElement withAttr(XmlName qname, String value) {
        List<XmlAttr> copy = new ArrayList<>(attrs.size() + 1);
        boolean done = false;
        for (XmlAttr a : attrs) {
            if (a.name().equals(qname)) {
                if (value != null && !done) {
                    copy.add(new XmlAttr(qname, value));
                }
                done = true;
            } else {
                copy.add(a);
            }
        }
        if (!done) {
            if (value == null) {
                return this;
            }
            copy.add(new XmlAttr(qname, value));
        }
        XmlElement e = ofOwned(name, copy, children);
        SharedContent sc = shared;
        if (sc == null && !children.isEmpty()) {
            sc = new SharedContent();
            shared = sc;
        }
        e.shared = sc;
        return e;
    }

    /** A copy with the given children replacing the current ones. */
    public XmlElement withChildren(List<? extends XmlNode> newChildren) {
        return ofOwned(name, attrs, new ArrayList<>(newChildren));
    }

    /** A copy with one more child at the end. */
    public XmlElement withChild(XmlNode child) {
        List<XmlNode> copy = new ArrayList<>(children.size() + 1);
        copy.addAll(children);
        copy.add(child);
        return ofOwned(name, attrs, copy);
    }

    /** A copy without child elements of the given name. */
    public XmlElement withoutChildren(String ns, String local) {
        List<XmlNode> copy = new ArrayList<>(children.size());
        for (XmlNode n : children) {
            if (!(n instanceof XmlElement e && e.is(ns, local))) {
                copy.add(n);
            }
        }
        return copy.size() == children.size() ? this : ofOwned(name, attrs, copy);
    }

    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.attrs.addAll(attrs);
        b.children.addAll(children);
        return b;
    }

    SharedContent sharedContent() {
        return shared;
    }

    byte[] cachedC2sBytes() {
        return c2sBytes;
    }

    void cacheC2sBytes(byte[] bytes) {
        this.c2sBytes = bytes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof XmlElement other
                && name.equals(other.name)
                && attrs.equals(other.attrs)
                && children.equals(other.children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, attrs, children);
    }

    /** The XML form, for logs and tests. */
    @Override
    public String toString() {
        return XmlWriter.toXml(this);
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private final XmlName name;
        private final List<XmlAttr> attrs = new ArrayList<>();
        private final List<XmlNode> children = new ArrayList<>();

        private Builder(XmlName name) {
            this.name = name;
        }

        /** Sets an attribute in no namespace; a null value is ignored. */
        public Builder attr(String local, String value) {
            return attr(XmlName.local(local), value);
        }

        public Builder attr(XmlName qname, String value) {
            if (value == null) {
                return this;
            }
            attrs.removeIf(a -> a.name().equals(qname));
            attrs.add(new XmlAttr(qname, value));
            return this;
        }

        public Builder child(XmlNode node) {
            if (node != null) {
                children.add(node);
            }
            return this;
        }

        public Builder children(List<? extends XmlNode> nodes) {
            for (XmlNode n : nodes) {
                child(n);
            }
            return this;
        }

        /** Adds {@code <local>text</local>} in the given namespace; a null text adds nothing. */
        public Builder textChild(String ns, String local, String text) {
            if (text == null) {
                return this;
            }
            children.add(new Builder(new XmlName(ns, local)).text(text).build());
            return this;
        }

        /** Adds a child element in this element's namespace holding the given text. */
        public Builder textChild(String local, String text) {
            return textChild(name.ns(), local, text);
        }

        /** Adds an empty child element. */
        public Builder emptyChild(String ns, String local) {
            children.add(XmlElement.empty(ns, local));
            return this;
        }

        public Builder text(String text) {
            if (text != null && !text.isEmpty()) {
                children.add(new XmlText(text));
            }
            return this;
        }

        public XmlElement build() {
            return ofOwned(name, new ArrayList<>(attrs), new ArrayList<>(children));
        }
    }
}
