package io.switchboard.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

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

    /**
     * {@code ExtendedSSLSession.exportKeyingMaterialData} (RFC 5705 exporters), public API since
     * Java 25. We compile for Java 17, so it is looked up once; on older runtimes it is null and the
     * tls-exporter binding is not offered.
     */
    private static final java.lang.reflect.Method EXPORTER = exporterMethod();

    static {
        // No client-initiated renegotiation (CVE-2021-32920 class).
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    }

    private static java.lang.reflect.Method exporterMethod() {
        try {
            return javax.net.ssl.ExtendedSSLSession.class.getMethod("exportKeyingMaterialData", String.class,
                    byte[].class, int.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** True when this runtime can compute the tls-exporter channel binding. */
    public static boolean exporterAvailable() {
        return EXPORTER != null;
    }

    private final TlsMaterial material;
    private final SSLContext context;
    private final String[] protocols;
    private final String[] suites;
    private final byte[] serverEndPoint;
    private final boolean wantClientAuth;

    public TlsContexts(TlsMaterial material, TrustManager[] trust) {
        this(material, trust, false);
    }

    /**
     * @param wantClientAuth server-side engines ask the peer for its certificate (server-to-server
     *                       streams, where the peer's certificate may authenticate its domain)
     */
    public TlsContexts(TlsMaterial material, TrustManager[] trust, boolean wantClientAuth) {
        this.material = material;
        this.wantClientAuth = wantClientAuth;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[]{new FixedKeyManager(material)}, trust, new SecureRandom());
            SSLEngine probe = context.createSSLEngine();
            protocols = intersect(PROTOCOLS, probe.getSupportedProtocols());
            suites = intersect(SUITES, probe.getSupportedCipherSuites());
            serverEndPoint = serverEndPoint(material.certificate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The server's one key and chain, held decrypted in memory. (The JDK's PKIX key manager over a
     * PKCS#12 key store decrypts the key again, with 10,000 PBKDF2 iterations, on every handshake:
     * 27% of the server's CPU in the login benchmark.)
     */
    static final class FixedKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "server";
        private final PrivateKey key;
        private final X509Certificate[] chain;

        FixedKeyManager(TlsMaterial material) {
            this.key = material.key();
            this.chain = material.chain().toArray(new X509Certificate[0]);
        }

        /** A key type the handshake asks for ("EC", "EC_EC", "RSA", "RSASSA-PSS" ...) that our key serves. */
        private boolean serves(String keyType) {
            String alg = key.getAlgorithm();
            return keyType != null && (keyType.startsWith(alg) || ("RSA".equals(alg) && keyType.equals("RSASSA-PSS")));
        }

        private String alias(String[] keyTypes) {
            if (keyTypes != null) {
                for (String t : keyTypes) {
                    if (serves(t)) {
                        return ALIAS;
                    }
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return serves(keyType) ? new String[]{ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return serves(keyType) ? new String[]{ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return serves(keyType) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return serves(keyType) ? ALIAS : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
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

    /** True when server-side engines ask peers for their certificate (server-to-server contexts). */
    public boolean wantClientAuth() {
        return wantClientAuth;
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
        if (!clientMode && wantClientAuth) {
            engine.setWantClientAuth(true);
        }
        engine.setEnabledProtocols(protocols.clone());
        engine.setEnabledCipherSuites(suites.clone());
        var params = engine.getSSLParameters();
        params.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(params);
        return engine;
    }

    /** Channel binding types an engine of this context can provide after its handshake, preferred first. */
    public List<String> channelBindingTypes(SSLEngine engine) {
        List<String> out = new ArrayList<>(2);
        // RFC 9266: tls-exporter is defined for TLS 1.3 (and 1.2 with extended master secret); we offer it on 1.3.
        if (EXPORTER != null && "TLSv1.3".equals(engine.getSession().getProtocol())) {
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
        if (TLS_EXPORTER.equals(type) && "TLSv1.3".equals(engine.getSession().getProtocol())) {
            return tlsExporter(engine.getSession());
        }
        return null;
    }

    /**
     * RFC 9266: the TLS exporter with label EXPORTER-Channel-Binding and no context, 32 bytes; null
     * when the runtime cannot export keying material (before Java 25).
     */
    public static byte[] tlsExporter(javax.net.ssl.SSLSession session) {
        if (EXPORTER == null || !(session instanceof javax.net.ssl.ExtendedSSLSession)) {
            return null;
        }
        try {
            return (byte[]) EXPORTER.invoke(session, "EXPORTER-Channel-Binding", null, 32);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
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
