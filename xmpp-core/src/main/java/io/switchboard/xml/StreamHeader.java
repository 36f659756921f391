package io.switchboard.xml;

import java.util.List;

/**
 * The opening {@code <stream:stream>} tag.
 *
 * @param name      qualified name of the element (must be {@code {http://etherx.jabber.org/streams}stream})
 * @param attrs     its attributes ({@code to}, {@code from}, {@code version}, {@code id}, {@code xml:lang}, ...)
 * @param contentNs the default namespace declared on it ({@code jabber:client}, {@code jabber:server}), or ""
 * @param declaredNamespaces every namespace URI declared on it, in order (for {@code xmlns:db} checks)
 * @param xmlVersion version from the XML declaration, null when there was none
 * @param encoding  encoding from the XML declaration, null when there was none
 */
public record StreamHeader(XmlName name, List<XmlAttr> attrs, String contentNs, List<String> declaredNamespaces,
                           String xmlVersion, String encoding) {

    public String attr(String local) {
        for (XmlAttr a : attrs) {
            if (a.name().ns().isEmpty() && a.name().local().equals(local)) {
                return a.value();
            }
        }
        return null;
    }

    public String lang() {
        for (XmlAttr a : attrs) {
            if (a.name().ns().equals(Ns.XML) && a.name().local().equals("lang")) {
                return a.value();
            }
        }
        return null;
    }
}
