package io.switchboard.s2s;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1TaggedObject;
import io.switchboard.tls.TlsMaterial;

/**
 * Decides whether a peer's certificate chain authenticates an XMPP domain (RFC 6120 §13.7.2,
 * RFC 6125): the chain validates (PKIX) up to a trust anchor of the configured trust store, and the
 * end-entity certificate names the domain in a subjectAltName, as an {@code id-on-xmppAddr} (exact)
 * or a {@code dNSName} (exact, or a wildcard that is the whole left-most label and matches exactly
 * one label). The subject DN is never consulted.
 *
 * <p>The path validation, the costly part, depends on the chain only: a stream checks its peer's
 * chain through one {@link PeerChain}, which validates it once whatever the domains asked about.
 *
 * @implNote thread-safe (immutable after construction but for a counter of path validations).
 */
final class CertVerifier {

    private static final int DNS_NAME = 2;
    private static final int OTHER_NAME = 0;

    private final Set<TrustAnchor> anchors;
    private final AtomicLong pathValidations = new AtomicLong();

    CertVerifier(Set<TrustAnchor> anchors) {
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("the trust store holds no certificate");
        }
        this.anchors = Set.copyOf(anchors);
    }

    /**
     * Loads trust anchors: from {@code path} (a PEM bundle of CA certificates, or a PKCS#12 / JKS key
     * store opened with {@code password}), or the JDK's default trust store when path is empty.
     */
    static CertVerifier load(String path, String password) throws IOException, GeneralSecurityException {
        Set<TrustAnchor> anchors = new HashSet<>();
        if (path == null || path.isBlank()) {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (var tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        anchors.add(new TrustAnchor(c, null));
                    }
                }
            }
            return new CertVerifier(anchors);
        }
        Path p = Path.of(path);
        byte[] bytes = Files.readAllBytes(p);
        String head = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.US_ASCII);
        if (head.contains("-----BEGIN CERTIFICATE-----")) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            try (InputStream in = Files.newInputStream(p)) {
                for (var c : cf.generateCertificates(in)) {
                    anchors.add(new TrustAnchor((X509Certificate) c, null));
                }
            }
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType()); // PKCS12; reads JKS too
            try (InputStream in = Files.newInputStream(p)) {
                ks.load(in, password == null ? null : password.toCharArray());
            }
            for (String alias : java.util.Collections.list(ks.aliases())) {
                if (ks.getCertificate(alias) instanceof X509Certificate c) {
                    anchors.add(new TrustAnchor(c, null));
                }
            }
        }
        return new CertVerifier(anchors);
    }

    /** Null when the chain authenticates the domain, else why not (for logs). */
    String check(List<X509Certificate> chain, String domain) {
        return new PeerChain().check(chain, domain);
    }

    boolean authenticates(List<X509Certificate> chain, String domain) {
        return check(chain, domain) == null;
    }

    /** The PKIX path validations run so far (for tests and status). */
    long pathValidations() {
        return pathValidations.get();
    }

    /**
     * One stream's memo of its peer's chain: the chain is validated (PKIX) the first time a domain
     * is checked and never again while the peer presents the same chain; the name check runs per
     * call (no cryptography). Use from one thread at a time (the stream's).
     */
    final class PeerChain {

        private List<X509Certificate> chain = List.of();
        /** The chain's path verdict (null: valid); meaningful once {@code validated}. */
        private String pkix;
        private boolean validated;

        /** Null when the peer's current chain authenticates the domain, else why not (for logs). */
        String check(List<X509Certificate> current, String domain) {
            if (current == null || current.isEmpty()) {
                return "no certificate";
            }
            if (!validated || !current.equals(chain)) {
                // A new chain (first TLS, or a renegotiation that changed it): validate it once.
                chain = List.copyOf(current);
                pkix = validateChain(chain);
                validated = true;
            }
            if (pkix != null) {
                return pkix;
            }
            return matchesDomain(chain.get(0), domain) ? null : "the certificate does not name " + domain;
        }

        boolean authenticates(List<X509Certificate> current, String domain) {
            return check(current, domain) == null;
        }
    }

    PeerChain peerChain() {
        return new PeerChain();
    }

    private String validateChain(List<X509Certificate> chain) {
        pathValidations.incrementAndGet();
        List<X509Certificate> path = new ArrayList<>(chain);
        // A peer may send its root too; the anchor itself is not part of the path to validate.
        while (path.size() > 1 && isAnchor(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        try {
            CertPath cp = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(cp, params);
            return null;
        } catch (GeneralSecurityException e) {
            return "the certificate chain does not validate: " + e.getMessage();
        }
    }

    private boolean isAnchor(X509Certificate c) {
        for (TrustAnchor a : anchors) {
            if (c.equals(a.getTrustedCert())) {
                return true;
            }
        }
        return false;
    }

    /** RFC 6125 §6.4 matching of the reference identifier {@code domain} against the certificate's SANs. */
    static boolean matchesDomain(X509Certificate cert, String domain) {
        String ref = normalize(domain);
        if (ref == null) {
            return false;
        }
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (sans == null) {
            return false;
        }
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            if (type == DNS_NAME && san.get(1) instanceof String dns) {
                if (dnsMatches(dns, ref)) {
                    return true;
                }
            } else if (type == OTHER_NAME && san.get(1) instanceof byte[] der) {
                String xmpp = xmppAddr(der);
                if (xmpp != null && ref.equals(normalize(xmpp))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A presented dNSName against the (normalized) reference domain. */
    static boolean dnsMatches(String presented, String ref) {
        String p = presented.toLowerCase(Locale.ROOT);
        if (p.endsWith(".")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.startsWith("*.")) {
            String rest = p.substring(2);
            // At least two labels after the wildcard (no "*.com"), and no other wildcard.
            if (rest.indexOf('.') < 0 || rest.contains("*")) {
                return false;
            }
            int dot = ref.indexOf('.');
            return dot > 0 && ref.substring(dot + 1).equals(normalize(rest));
        }
        if (p.contains("*")) {
            return false;
        }
        return ref.equals(normalize(p));
    }

    private static String normalize(String domain) {
        try {
            String d = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The value of an otherName SAN of type id-on-xmppAddr, or null. */
    static String xmppAddr(byte[] der) {
        try {
            ASN1Primitive p = ASN1Primitive.fromByteArray(der);
            ASN1Sequence seq;
            if (p instanceof ASN1TaggedObject t) {
                seq = ASN1Sequence.getInstance(t, false);
            } else {
                seq = ASN1Sequence.getInstance(p);
            }
            if (seq.size() != 2 || !TlsMaterial.XMPP_ADDR.equals(ASN1ObjectIdentifier.getInstance(seq.getObjectAt(0)))) {
                return null;
            }
            ASN1Encodable v = seq.getObjectAt(1);
            while (v instanceof ASN1TaggedObject t) {
                v = t.getExplicitBaseObject();
            }
            return v instanceof ASN1String s ? s.getString() : null;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return null;
        }
    }
}
