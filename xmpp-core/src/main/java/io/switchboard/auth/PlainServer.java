package io.switchboard.auth;

import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.store.ScramHash;
import java.nio.charset.StandardCharsets;

/**
 * PLAIN (RFC 4616), offered only over TLS. The password is checked against the stored SCRAM
 * credential by deriving it again; unknown users cost the same derivation.
 */
public final class PlainServer implements SaslServer {

    private final AuthContext ctx;
    private final CredentialSource credentials;
    private boolean done;

    public PlainServer(AuthContext ctx, CredentialSource credentials) {
        this.ctx = ctx;
        this.credentials = credentials;
    }

    @Override
    public SaslStep evaluate(byte[] response) {
        if (done) {
            return new SaslStep.Failure(SaslFailure.MALFORMED_REQUEST, "the exchange is over", null, false);
        }
        if (response == null || response.length == 0) {
            return new SaslStep.Challenge(new byte[0]);
        }
        done = true;
        if (response.length > 3 * 1024) {
            return new SaslStep.Failure(SaslFailure.MALFORMED_REQUEST, "message too long", null, false);
        }
        String msg = new String(response, StandardCharsets.UTF_8);
        String[] parts = msg.split("\u0000", -1);
        if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
            return new SaslStep.Failure(SaslFailure.MALFORMED_REQUEST, "expected authzid NUL authcid NUL password", null, false);
        }
        Jid user;
        try {
            user = Jid.of(parts[1], ctx.domain(), null);
        } catch (MalformedJidException e) {
            user = null;
        }
        CredentialSource.Found found = credentials.lookup(user, ScramHash.SHA_256);
        boolean ok = Passwords.matches(found.credential(), parts[2]);
        if (!ok || !found.real()) {
            return new SaslStep.Failure(SaslFailure.NOT_AUTHORIZED, null, user, true);
        }
        if (!parts[0].isEmpty()) {
            Jid az = Jid.tryOf(parts[0]).orElse(null);
            if (az == null || !az.equals(user)) {
                return new SaslStep.Failure(SaslFailure.INVALID_AUTHZID, "authorization identity differs from the user", user, false);
            }
        }
        return new SaslStep.Success(user, null);
    }
}
