package io.switchboard.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate chain and its private key: loaded from PEM files, or generated (self-signed, for a
 * zero-configuration start) and kept under the data directory so that clients that pinned it
 * keep working across restarts.
 */
public final class TlsMaterial {

    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
    /** id-on-xmppAddr (RFC 6120 §13.7.1.4). */
    public static final ASN1ObjectIdentifier XMPP_ADDR = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.8.5");

    private final List<X509Certificate> chain;
    private final PrivateKey key;

    public TlsMaterial(List<X509Certificate> chain, PrivateKey key) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
        this.chain = List.copyOf(chain);
        this.key = key;
    }

    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public PrivateKey key() {
        return key;
    }

    /** Reads a PEM certificate chain and a PEM private key (PKCS#8 or traditional). */
    public static TlsMaterial load(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(certFile, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(conv.getCertificate(h));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read certificate " + certFile + ": " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException("no certificate found in " + certFile);
        }
        PrivateKey key;
        try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter kc = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                // Only the private part: a SEC1 EC key may come without its public point.
                key = kc.getPrivateKey(kp.getPrivateKeyInfo());
            } else if (o instanceof PrivateKeyInfo pki) {
                key = kc.getPrivateKey(pki);
            } else {
                throw new IOException("no unencrypted private key found in " + keyFile);
            }
        }
        return new TlsMaterial(chain, key);
    }

    /**
     * The certificate under {@code dir} for {@code domain}, generated on first use.
     *
     * @return the material, and whether it was generated now
     */
    public static TlsMaterial selfSigned(Path dir, String domain) throws IOException {
        String base = domain.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "_");
        Path cert = dir.resolve(base + ".crt");
        Path key = dir.resolve(base + ".key");
        if (Files.exists(cert) && Files.exists(key)) {
            try {
                TlsMaterial m = load(cert, key);
                LOG.info("Using the self-signed certificate for {} in {}", domain, cert);
                return m;
            } catch (IOException | RuntimeException e) {
                // Only ever our own generated files: replace them rather than refuse to start.
                LOG.warn("The self-signed certificate in {} cannot be read ({}); generating a new one", cert, e.getMessage());
            }
        }
        Files.createDirectories(dir);
        TlsMaterial m = generate(domain, List.of(domain, "*." + domain), Duration.ofDays(3650));
        // PKCS#8 ("BEGIN PRIVATE KEY"), which every TLS tool reads.
        writePem(key, new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(m.key, null), true);
        writePem(cert, m.certificate(), false);
        LOG.warn("Generated a self-signed certificate for {} in {} (SHA-256 fingerprint {}). Clients will ask to"
                + " trust it; set tls.certificate and tls.private-key for a CA-signed one.", domain, cert,
                fingerprint(m.certificate()));
        return m;
    }

    /** Generates a self-signed EC P-256 certificate with the given DNS names and the domain as XmppAddr. */
    public static TlsMaterial generate(String domain, List<String> dnsNames, Duration validity) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = g.generateKeyPair();
            X500Name name = new X500Name("CN=" + domain);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(128, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(validity)), name, kp.getPublic());
            List<GeneralName> names = new ArrayList<>();
            for (String d : dnsNames) {
                names.add(new GeneralName(GeneralName.dNSName, d));
            }
            names.add(xmppAddr(domain));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
            return new TlsMaterial(List.of(cert), kp.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a certificate: " + e.getMessage(), e);
        }
    }

    /** An otherName SAN of type id-on-xmppAddr. */
    public static GeneralName xmppAddr(String jid) {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(XMPP_ADDR);
        v.add(new DERTaggedObject(true, 0, new DERUTF8String(jid)));
        return new GeneralName(GeneralName.otherName, new DERSequence(v));
    }

    public static void writePem(Path file, Object object, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII); JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(object);
        }
        if (secret) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.debug("no POSIX permissions on {}", tmp);
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** SHA-256 fingerprint as colon-separated hex, as clients and pins show it. */
    public static String fingerprint(X509Certificate cert) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < d.length; i++) {
                if (i > 0) {
                    sb.append(':');
                }
                sb.append(String.format("%02X", d[i]));
            }
            return sb.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
