package io.switchboard.storage;

import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/** The values of a {@code scram_credential} row; the account and hash are its key. */
@Embeddable
class ScramEmbeddable {

    @Column(name = "salt", nullable = false)
    byte[] salt;

    @Column(name = "iterations", nullable = false)
    int iterations;

    @Column(name = "stored_key", nullable = false)
    byte[] storedKey;

    @Column(name = "server_key", nullable = false)
    byte[] serverKey;

    ScramEmbeddable() {
    }

    static ScramEmbeddable of(ScramCredential c) {
        ScramEmbeddable e = new ScramEmbeddable();
        e.salt = c.salt();
        e.iterations = c.iterations();
        e.storedKey = c.storedKey();
        e.serverKey = c.serverKey();
        return e;
    }

    ScramCredential toCredential(ScramHash hash) {
        return new ScramCredential(hash, salt, iterations, storedKey, serverKey);
    }
}
