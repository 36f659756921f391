package io.switchboard.bench.client;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM (RFC 5802, RFC 7677) without channel binding ({@code n,,}). The
 * salted password, the expensive part (PBKDF2), comes from a {@link ScramCache} when the server's
 * salt and iteration count are the cached ones, as RFC 5802 §5.1 allows clients to do.
 */
public final class Scram {

    /** A SCRAM hash. */
    public enum Hash {
        SHA_1("SCRAM-SHA-1", "HmacSHA1", "SHA-1"),
        SHA_256("SCRAM-SHA-256", "HmacSHA256", "SHA-256");

        public final String mechanism;
        final String hmac;
        final String digest;

        Hash(String mechanism, String hmac, String digest) {
            this.mechanism = mechanism;
            this.hmac = hmac;
            this.digest = digest;
        }

        public static Hash of(String mechanism) {
            for (Hash h : values()) {
                if (h.mechanism.equals(mechanism)) {
                    return h;
                }
            }
            return null;
        }
    }

    /** The server answered something SCRAM does not allow, or could not prove it knows the password. */
    public static final class ScramException extends Exception {
        public ScramException(String message) {
            super(message);
        }
    }

    private static final String GS2 = "n,,";

    private final Hash hash;
    private final String user;
    private final String password;
    private final ScramCache cache;
    private final String cacheKey;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;
    private boolean computedSalted;

    public Scram(Hash hash, String user, String password, ScramCache cache, String cacheKey) {
        this.hash = hash;
        this.user = user;
        this.password = password;
        this.cache = cache;
        this.cacheKey = cacheKey;
        byte[] n = new byte[18];
        ThreadLocalRandom.current().nextBytes(n);
        this.clientNonce = Base64.getEncoder().encodeToString(n);
    }

    public Hash hash() {
        return hash;
    }

    /** True when this exchange ran PBKDF2 itself (the cache did not have the salted password). */
    public boolean computedSaltedPassword() {
        return computedSalted;
    }

    /** The initial response, base64. */
    public String clientFirst() {
        clientFirstBare = "n=" + saslName(user) + ",r=" + clientNonce;
        return b64((GS2 + clientFirstBare).getBytes(StandardCharsets.UTF_8));
    }

    /** The answer to the server-first message (base64, as in the challenge), base64. */
    public String clientFinal(String challengeB64) throws ScramException {
        String serverFirst = new String(decode(challengeB64), StandardCharsets.UTF_8);
        String nonce = null;
        String salt = null;
        int iterations = -1;
        for (String part : serverFirst.split(",")) {
            if (part.length() < 2 || part.charAt(1) != '=') {
                continue;
            }
            String v = part.substring(2);
            switch (part.charAt(0)) {
                case 'r' -> nonce = v;
                case 's' -> salt = v;
                case 'i' -> iterations = parseIterations(v);
                case 'm' -> throw new ScramException("server requires an unknown SCRAM extension");
                default -> {
                    // Extensions we do not know and that are not mandatory.
                }
            }
        }
        if (nonce == null || salt == null || iterations < 1) {
            throw new ScramException("malformed server-first message");
        }
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new ScramException("server nonce does not extend the client nonce");
        }
        byte[] salted = cache.get(cacheKey, hash, salt, iterations);
        if (salted == null) {
            salted = saltedPassword(hash, password, decode(salt), iterations);
            computedSalted = true;
            cache.put(cacheKey, hash, salt, iterations, salted);
        }
        try {
            Mac mac = Mac.getInstance(hash.hmac);
            byte[] clientKey = hmac(mac, salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] storedKey = MessageDigest.getInstance(hash.digest).digest(clientKey);
            byte[] serverKey = hmac(mac, salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
            String withoutProof = "c=" + b64(GS2.getBytes(StandardCharsets.US_ASCII)) + ",r=" + nonce;
            byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
            byte[] signature = hmac(mac, storedKey, authMessage);
            byte[] proof = new byte[signature.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ signature[i]);
            }
            expectedServerSignature = hmac(mac, serverKey, authMessage);
            return b64((withoutProof + ",p=" + b64(proof)).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks the server-final message ({@code v=...}, base64); false when the server's proof is wrong. */
    public boolean verifyServerFinal(String b64) throws ScramException {
        if (expectedServerSignature == null) {
            throw new ScramException("server finished before the client proof");
        }
        String s = new String(decode(b64), StandardCharsets.UTF_8);
        if (s.startsWith("e=")) {
            throw new ScramException("server error " + s.substring(2));
        }
        if (!s.startsWith("v=")) {
            return false;
        }
        return MessageDigest.isEqual(decode(s.substring(2)), expectedServerSignature);
    }

    /** PBKDF2 (RFC 8018) with the password as HMAC key, one block: Hi() of RFC 5802. */
    public static byte[] saltedPassword(Hash hash, String password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance(hash.hmac);
            mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), hash.hmac));
            mac.update(salt);
            mac.update(new byte[]{0, 0, 0, 1});
            byte[] u = mac.doFinal();
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                mac.update(u);
                mac.doFinal(u, 0);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(Mac mac, byte[] key, byte[] data) throws GeneralSecurityException {
        mac.init(new SecretKeySpec(key, mac.getAlgorithm()));
        return mac.doFinal(data);
    }

    private static int parseIterations(String v) throws ScramException {
        try {
            int i = Integer.parseInt(v);
            if (i < 1 || i > 10_000_000) {
                throw new ScramException("iteration count out of range: " + v);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new ScramException("bad iteration count " + v);
        }
    }

    /** RFC 5802 §5.1: '=' and ',' are escaped in the user name. */
    static String saslName(String user) {
        return user.replace("=", "=3D").replace(",", "=2C");
    }

    private static byte[] decode(String b64) throws ScramException {
        try {
            return Base64.getDecoder().decode(b64.trim());
        } catch (IllegalArgumentException e) {
            throw new ScramException("bad base64 from the server");
        }
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /** For tests: an exchange with a fixed client nonce (RFC 5802 §5 and RFC 7677 §3 examples). */
    static Scram withNonce(Hash hash, String user, String password, String nonce) {
        return new Scram(hash, user, password, new ScramCache(), user, nonce);
    }

    private Scram(Hash hash, String user, String password, ScramCache cache, String cacheKey, String nonce) {
        this.hash = hash;
        this.user = user;
        this.password = password;
        this.cache = cache;
        this.cacheKey = cacheKey;
        this.clientNonce = nonce;
    }
}
