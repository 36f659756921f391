package io.switchboard.jid;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import rocks.xmpp.precis.PrecisProfile;
import rocks.xmpp.precis.PrecisProfiles;

/**
 * An XMPP address (RFC 7622) in its one canonical form: the localpart enforced with the PRECIS
 * UsernameCaseMapped profile (RFC 8265), the domainpart with IDNA2008 (to its lower-case U-label
 * form, final dot removed), the resourcepart with the PRECIS OpaqueString profile. Two JIDs that
 * address the same entity are {@link #equals equal} and have the same {@link #toString()}: that
 * string is what every map key, database key and wire attribute uses.
 *
 * @implNote immutable and thread-safe. Parsing results are cached because the same addresses are
 *           parsed over and over (every stanza carries them).
 */
public final class Jid implements Comparable<Jid> {

    private static final int MAX_PART_BYTES = 1023;
    private static final PrecisProfile LOCAL = PrecisProfiles.USERNAME_CASE_MAPPED;
    private static final PrecisProfile RESOURCE = PrecisProfiles.OPAQUE_STRING;
    private static final PrecisProfile DOMAIN = PrecisProfiles.IDN;
    private static final int CACHE_MAX = 100_000;
    private static final Map<String, Jid> CACHE = new ConcurrentHashMap<>();

    private final String local;
    private final String domain;
    private final String resource;
    private final String string;

    private Jid(String local, String domain, String resource) {
        this.local = local;
        this.domain = domain;
        this.resource = resource;
        StringBuilder sb = new StringBuilder();
        if (local != null) {
            sb.append(local).append('@');
        }
        sb.append(domain);
        if (resource != null) {
            sb.append('/').append(resource);
        }
        this.string = sb.toString();
    }

    /**
     * Parses and canonicalizes a JID.
     *
     * @throws MalformedJidException when any part is invalid (RFC 7622 §3)
     */
    public static Jid of(String s) {
        Objects.requireNonNull(s, "jid");
        Jid cached = CACHE.get(s);
        if (cached != null) {
            return cached;
        }
        Jid j = parse(s);
        if (CACHE.size() >= CACHE_MAX) {
            CACHE.clear();
        }
        CACHE.put(s, j);
        return j;
    }

    /** Parses a JID, or empty when it is malformed. */
    public static Optional<Jid> tryOf(String s) {
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(of(s));
        } catch (MalformedJidException e) {
            return Optional.empty();
        }
    }

    /** Builds a JID from its parts, each of which is canonicalized; local and resource may be null. */
    public static Jid of(String local, String domain, String resource) {
        return new Jid(local == null ? null : enforceLocal(local), enforceDomain(domain),
                resource == null ? null : enforceResource(resource));
    }

    public static Jid domain(String domain) {
        return of(null, domain, null);
    }

    private static Jid parse(String s) {
        // RFC 7622 §3.1: the first '/' starts the resourcepart; the first '@' before it ends the localpart.
        int slash = s.indexOf('/');
        String head = slash >= 0 ? s.substring(0, slash) : s;
        String resource = null;
        if (slash >= 0) {
            resource = s.substring(slash + 1);
            if (resource.isEmpty()) {
                throw new MalformedJidException("empty resourcepart in '" + s + "'");
            }
        }
        int at = head.indexOf('@');
        String local = null;
        String domain = head;
        if (at >= 0) {
            local = head.substring(0, at);
            domain = head.substring(at + 1);
            if (local.isEmpty()) {
                throw new MalformedJidException("empty localpart in '" + s + "'");
            }
        }
        return new Jid(local == null ? null : enforceLocal(local), enforceDomain(domain),
                resource == null ? null : enforceResource(resource));
    }

    /** Canonical localpart (RFC 7622 §3.3). */
    public static String enforceLocal(String local) {
        checkLength(local, "localpart");
        String out;
        try {
            out = LOCAL.enforce(local);
        } catch (IllegalArgumentException e) {
            throw new MalformedJidException("invalid localpart: " + e.getMessage(), e);
        }
        for (int i = 0; i < out.length(); i++) {
            switch (out.charAt(i)) {
                case '"', '&', '\'', '/', ':', '<', '>', '@' ->
                        throw new MalformedJidException("character '" + out.charAt(i) + "' is not allowed in a localpart");
                default -> {
                }
            }
        }
        checkLength(out, "localpart");
        return out;
    }

    /** Canonical resourcepart (RFC 7622 §3.4). */
    public static String enforceResource(String resource) {
        checkLength(resource, "resourcepart");
        String out;
        try {
            out = RESOURCE.enforce(resource);
        } catch (IllegalArgumentException e) {
            throw new MalformedJidException("invalid resourcepart: " + e.getMessage(), e);
        }
        if (out.charAt(0) == ' ') {
            // RFC 7622 §3.5.2 lists a leading space in the resourcepart among its invalid examples.
            throw new MalformedJidException("a resourcepart cannot start with a space");
        }
        checkLength(out, "resourcepart");
        return out;
    }

    /** Canonical domainpart (RFC 7622 §3.2): IP literal, or an IDNA2008 name in lower-case U-label form. */
    public static String enforceDomain(String domain) {
        if (domain == null || domain.isEmpty()) {
            throw new MalformedJidException("empty domainpart");
        }
        String d = domain;
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        checkLength(d, "domainpart");
        if (d.startsWith("[")) {
            return ipv6Literal(d);
        }
        String out;
        try {
            out = DOMAIN.enforce(d);
        } catch (IllegalArgumentException e) {
            throw new MalformedJidException("invalid domainpart '" + abbreviate(domain) + "': " + e.getMessage(), e);
        }
        if (out.isEmpty() || out.endsWith(".")) {
            throw new MalformedJidException("invalid domainpart '" + abbreviate(domain) + "'");
        }
        checkLength(out, "domainpart");
        return out;
    }

    private static String ipv6Literal(String d) {
        if (!d.endsWith("]") || d.length() < 4) {
            throw new MalformedJidException("invalid IPv6 literal domainpart");
        }
        String inner = d.substring(1, d.length() - 1);
        int colons = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (c == ':') {
                colons++;
            } else if (!hex && c != '.') {
                throw new MalformedJidException("invalid IPv6 literal domainpart");
            }
        }
        if (colons < 2) {
            throw new MalformedJidException("invalid IPv6 literal domainpart");
        }
        return "[" + inner.toLowerCase(java.util.Locale.ROOT) + "]";
    }

    private static void checkLength(String part, String what) {
        if (part.isEmpty()) {
            throw new MalformedJidException("empty " + what);
        }
        // Fast path: a UTF-8 string never has more bytes than 3 per UTF-16 unit.
        if (part.length() * 3 > MAX_PART_BYTES && part.getBytes(StandardCharsets.UTF_8).length > MAX_PART_BYTES) {
            throw new MalformedJidException(what + " longer than " + MAX_PART_BYTES + " bytes");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    /** The localpart, or null for a domain JID. */
    public String local() {
        return local;
    }

    public String domain() {
        return domain;
    }

    /** The resourcepart, or null for a bare JID. */
    public String resource() {
        return resource;
    }

    public boolean hasLocal() {
        return local != null;
    }

    public boolean hasResource() {
        return resource != null;
    }

    /** True for {@code local@domain} (no resource). */
    public boolean isBare() {
        return resource == null;
    }

    /** True for {@code local@domain/resource}. */
    public boolean isFull() {
        return resource != null && local != null;
    }

    /** True for a bare domain ({@code domain}, no localpart, no resource). */
    public boolean isDomain() {
        return local == null && resource == null;
    }

    /** This JID without its resource. */
    public Jid bare() {
        return resource == null ? this : new Jid(local, domain, null);
    }

    /** The domain alone. */
    public Jid domainJid() {
        return local == null && resource == null ? this : new Jid(null, domain, null);
    }

    /** This JID's bare form with the given resource (canonicalized). */
    public Jid withResource(String res) {
        return new Jid(local, domain, res == null ? null : enforceResource(res));
    }

    /** True when both address the same account (same localpart and domain). */
    public boolean sameBare(Jid other) {
        return other != null && Objects.equals(local, other.local) && domain.equals(other.domain);
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof Jid j && string.equals(j.string));
    }

    @Override
    public int hashCode() {
        return string.hashCode();
    }

    /** Code point order of the canonical strings (the order databases sort them in). */
    @Override
    public int compareTo(Jid o) {
        int i = 0;
        int j = 0;
        String a = string;
        String b = o.string;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    @Override
    public String toString() {
        return string;
    }
}
