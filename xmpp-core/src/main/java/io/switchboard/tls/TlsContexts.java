package io.switchboard.tls;

import io.switchboard.config.CoreSettings.TlsProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import org.bouncycastle.jsse.BCSSLEngine;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * Server TLS policy (RFC 7590, Mozilla "intermediate"): TLS 1.3 and 1.2 only, AEAD suites with
 * forward secrecy, no renegotiation, no compression; and channel binding data for SCRAM-PLUS.
 *
 * @implNote thread-safe after construction.
 */
public final class TlsContexts {

    public static final String TLS_EXPORTER = "tls-exporter";
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final List<String> SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** Held so that the level set below sticks (java.util.logging keeps loggers weakly). */
    private static final java.util.logging.Logger BC_LOG = java.util.logging.Logger.getLogger("org.bouncycastle.jsse");

    static {
        // No client-initiated renegotiation with the JDK provider (CVE-2021-32920 class).
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        // BouncyCastle's JSSE logs every handshake at INFO through java.util.logging; failures reach
        // us as exceptions and are logged by the transport.
        BC_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private final TlsMaterial material;
    private final TlsProvider providerChoice;
    private final SSLContext context;
    private final String[] protocols;
    private final String[] suites;
    private final byte[] serverEndPoint;

    public TlsContexts(TlsMaterial material, TlsProvider providerChoice, TrustManager[] trust) {
        this.material = material;
        this.providerChoice = providerChoice;
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", material.key(), new char[0], material.chain().toArray(new Certificate[0]));
            Provider provider = providerChoice == TlsProvider.BOUNCYCASTLE ? bcjsse() : null;
            KeyManagerFactory kmf = provider == null ? KeyManagerFactory.getInstance("PKIX")
                    : KeyManagerFactory.getInstance("PKIX", provider);
            kmf.init(ks, new char[0]);
            context = provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
            context.init(kmf.getKeyManagers(), trust, new SecureRandom());
            SSLEngine probe = context.createSSLEngine();
            protocols = intersect(PROTOCOLS, probe.getSupportedProtocols());
            suites = intersect(SUITES, probe.getSupportedCipherSuites());
            serverEndPoint = serverEndPoint(material.certificate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static Provider bcjsse() {
        return new BouncyCastleJsseProvider();
    }

    private static String[] intersect(List<String> wanted, String[] supported) {
        List<String> s = Arrays.asList(supported);
        List<String> out = new ArrayList<>();
        for (String w : wanted) {
            if (s.contains(w)) {
                out.add(w);
            }
        }
        return out.toArray(new String[0]);
    }

    public SSLContext context() {
        return context;
    }

    public TlsMaterial material() {
        return material;
    }

    /** Applies the policy to a new server-side engine. */
    public SSLEngine configure(SSLEngine engine, boolean clientMode) {
        engine.setUseClientMode(clientMode);
        engine.setEnabledProtocols(protocols.clone());
        engine.setEnabledCipherSuites(suites.clone());
        var params = engine.getSSLParameters();
        params.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(params);
        return engine;
    }

    /** Channel binding types an engine of this context can provide after its handshake. */
    public List<String> channelBindingTypes(SSLEngine engine) {
        List<String> out = new ArrayList<>(2);
        if (engine instanceof BCSSLEngine && "TLSv1.3".equals(engine.getSession().getProtocol())) {
            out.add(TLS_EXPORTER);
        }
        out.add(TLS_SERVER_END_POINT);
        return out;
    }

    /** Channel binding data (RFC 9266 tls-exporter, RFC 5929 tls-server-end-point), or null. */
    public byte[] channelBinding(SSLEngine engine, String type) {
        if (TLS_SERVER_END_POINT.equals(type)) {
            return serverEndPoint.clone();
        }
        if (TLS_EXPORTER.equals(type) && engine instanceof BCSSLEngine bc
                && "TLSv1.3".equals(engine.getSession().getProtocol())) {
            var conn = bc.getConnection();
            return conn == null ? null : conn.getChannelBinding(TLS_EXPORTER);
        }
        return null;
    }

    public TlsProvider provider() {
        return providerChoice;
    }

    /**
     * RFC 5929 §4.1: the hash of the server certificate, with the certificate's signature hash,
     * SHA-256 when that is MD5 or SHA-1.
     */
    public static byte[] serverEndPoint(X509Certificate cert) {
        String alg = cert.getSigAlgName().toUpperCase(Locale.ROOT);
        String hash = "SHA-256";
        if (alg.startsWith("SHA384")) {
            hash = "SHA-384";
        } else if (alg.startsWith("SHA512")) {
            hash = "SHA-512";
        }
        try {
            return MessageDigest.getInstance(hash).digest(cert.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
