package io.switchboard.ext.pubsub;

import io.switchboard.handler.Identity;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Entity capabilities (XEP-0115): the verification string of a disco#info answer, and a bounded
 * cache from verified 'ver' hashes to feature sets, shared by every session that announces them.
 *
 * @implNote thread-safe.
 */
final class EntityCaps {

    /** A caps announcement of a presence: {@code <c hash node ver/>}; hash null for legacy caps. */
    record Announcement(String hash, String node, String ver) {

        /** The announcement in a presence stanza, or null. */
        static Announcement of(XmlElement presence) {
            XmlElement c = presence == null ? null : presence.child(Ns.CAPS, "c");
            if (c == null || c.attr("ver") == null || c.attr("node") == null) {
                return null;
            }
            return new Announcement(c.attr("hash"), c.attr("node"), c.attr("ver"));
        }

        String key() {
            return hash + " " + ver;
        }
    }

    private final int capacity;
    private final Map<String, Set<String>> verified;

    EntityCaps(int capacity) {
        this.capacity = capacity;
        this.verified = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
                return size() > EntityCaps.this.capacity;
            }
        };
    }

    /** The features of a verified hash, or null when unknown. */
    synchronized Set<String> features(Announcement a) {
        return verified.get(a.key());
    }

    synchronized void put(Announcement a, Set<String> features) {
        verified.put(a.key(), Set.copyOf(features));
    }

    synchronized int size() {
        return verified.size();
    }

    /** Whether {@code a}'s hash matches the disco#info {@code query} (false for unknown algorithms). */
    static boolean verify(Announcement a, XmlElement query) {
        String alg = switch (a.hash() == null ? "" : a.hash()) {
            case "sha-1" -> "SHA-1";
            case "sha-256" -> "SHA-256";
            case "sha-512" -> "SHA-512";
            default -> null;
        };
        if (alg == null) {
            return false;
        }
        String s = verificationString(query);
        if (s == null) {
            return false;
        }
        try {
            byte[] d = MessageDigest.getInstance(alg).digest(s.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d).equals(a.ver());
        } catch (NoSuchAlgorithmException e) {
            return false;
        }
    }

    /** XEP-0115 §5.1, with the §5.4 checks: null when the answer may not be cached (duplicates). */
    static String verificationString(XmlElement query) {
        List<String> identities = new ArrayList<>();
        List<String> features = new ArrayList<>();
        List<XmlElement> forms = new ArrayList<>();
        for (XmlElement e : query.elements()) {
            if (e.is(Ns.DISCO_INFO, "identity")) {
                String lang = e.attr(io.switchboard.xml.XmlName.of(Ns.XML, "lang"));
                identities.add(nz(e.attr("category")) + "/" + nz(e.attr("type")) + "/" + nz(lang) + "/" + nz(e.attr("name")));
            } else if (e.is(Ns.DISCO_INFO, "feature")) {
                features.add(nz(e.attr("var")));
            } else if (e.is(Ns.DATA_FORMS, "x")) {
                forms.add(e);
            }
        }
        if (Set.copyOf(identities).size() != identities.size() || Set.copyOf(features).size() != features.size()) {
            return null;
        }
        identities.sort(Comparator.naturalOrder());
        features.sort(Comparator.naturalOrder());
        StringBuilder s = new StringBuilder();
        for (String i : identities) {
            s.append(i).append('<');
        }
        for (String f : features) {
            s.append(f).append('<');
        }
        List<String[]> sortedForms = new ArrayList<>();
        for (XmlElement x : forms) {
            String formType = null;
            List<String> fields = new ArrayList<>();
            for (XmlElement f : x.elements(Ns.DATA_FORMS, "field")) {
                List<String> values = new ArrayList<>();
                for (XmlElement v : f.elements(Ns.DATA_FORMS, "value")) {
                    values.add(v.text());
                }
                if ("FORM_TYPE".equals(f.attr("var"))) {
                    if (values.size() != 1 || formType != null) {
                        return null;
                    }
                    formType = values.get(0);
                    continue;
                }
                values.sort(Comparator.naturalOrder());
                StringBuilder fs = new StringBuilder(nz(f.attr("var"))).append('<');
                for (String v : values) {
                    fs.append(v).append('<');
                }
                fields.add(fs.toString());
            }
            if (formType == null) {
                continue; // §5.4: forms without FORM_TYPE are ignored
            }
            fields.sort(Comparator.naturalOrder());
            sortedForms.add(new String[]{formType, String.join("", fields)});
        }
        sortedForms.sort(Comparator.comparing(f -> f[0]));
        for (String[] f : sortedForms) {
            s.append(f[0]).append('<').append(f[1]);
        }
        return s.toString();
    }

    /** The features of a disco#info answer. */
    static Set<String> featuresOf(XmlElement query) {
        java.util.HashSet<String> out = new java.util.HashSet<>();
        for (XmlElement f : query.elements(Ns.DISCO_INFO, "feature")) {
            if (f.attr("var") != null) {
                out.add(f.attr("var"));
            }
        }
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static Identity pep() {
        return new Identity("pubsub", "pep", null);
    }
}
