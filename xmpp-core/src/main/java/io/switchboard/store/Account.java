package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A user account: its bare JID, whether it administers the server, when it was created, and its
 * SCRAM credentials (one per hash).
 */
public record Account(Jid jid, boolean admin, Instant created, Map<ScramHash, ScramCredential> credentials) {

    public Account {
        Objects.requireNonNull(jid, "jid");
        if (!jid.isBare() || !jid.hasLocal()) {
            throw new IllegalArgumentException("an account is a bare JID with a localpart: " + jid);
        }
        Objects.requireNonNull(created, "created");
        credentials = Map.copyOf(credentials);
    }

    public ScramCredential credential(ScramHash hash) {
        return credentials.get(hash);
    }
}
