package io.switchboard.store;

import java.util.Objects;

/**
 * What the server keeps of a password for one SCRAM hash: the salt, the iteration count, and the
 * StoredKey and ServerKey derived from the salted password (RFC 5802 §3). The password itself is
 * never stored and cannot be recovered from these.
 */
public record ScramCredential(ScramHash hash, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {

    public ScramCredential {
        Objects.requireNonNull(hash, "hash");
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations");
        }
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredential c && c.hash == hash && c.iterations == iterations
                && java.util.Arrays.equals(c.salt, salt) && java.util.Arrays.equals(c.storedKey, storedKey)
                && java.util.Arrays.equals(c.serverKey, serverKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hash, iterations, java.util.Arrays.hashCode(storedKey));
    }

    @Override
    public String toString() {
        return "ScramCredential[" + hash + ", " + iterations + " iterations]";
    }
}
