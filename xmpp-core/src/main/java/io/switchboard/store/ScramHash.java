package io.switchboard.store;

/** The hash functions SCRAM credentials are kept for (RFC 5802, RFC 7677). */
public enum ScramHash {
    SHA_1("SHA-1", "HmacSHA1", "SCRAM-SHA-1", 20),
    SHA_256("SHA-256", "HmacSHA256", "SCRAM-SHA-256", 32);

    private final String digest;
    private final String hmac;
    private final String mechanism;
    private final int length;

    ScramHash(String digest, String hmac, String mechanism, int length) {
        this.digest = digest;
        this.hmac = hmac;
        this.mechanism = mechanism;
        this.length = length;
    }

    /** JCA MessageDigest name. */
    public String digest() {
        return digest;
    }

    /** JCA Mac name. */
    public String hmac() {
        return hmac;
    }

    /** SASL mechanism name without {@code -PLUS}. */
    public String mechanism() {
        return mechanism;
    }

    /** Output length in bytes. */
    public int length() {
        return length;
    }
}
