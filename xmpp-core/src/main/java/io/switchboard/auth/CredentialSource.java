package io.switchboard.auth;

import io.switchboard.jid.Jid;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import io.switchboard.store.UserStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Looks up a user's SCRAM credential; for unknown users it invents one that looks the same (a
 * salt derived from a server secret, so it is stable for a given name, and the usual iteration
 * count), so that the exchange and its timing do not reveal whether an account exists.
 *
 * @implNote thread-safe; {@link #lookup} blocks on storage.
 */
public final class CredentialSource {

    /** A credential and whether it belongs to a real account. */
    public record Found(ScramCredential credential, boolean real) {
    }

    private final UserStore users;
    private final byte[] secret;
    private final int iterations;
    private final SecureRandom random = new SecureRandom();

    public CredentialSource(UserStore users, byte[] serverSecret, int iterations) {
        this.users = users;
        this.secret = serverSecret.clone();
        this.iterations = iterations;
    }

    public Found lookup(Jid user, ScramHash hash) {
        if (user != null) {
            var account = users.find(user);
            if (account.isPresent()) {
                ScramCredential c = account.get().credential(hash);
                if (c != null) {
                    return new Found(c, true);
                }
            }
        }
        return new Found(fake(user == null ? "" : user.toString(), hash), false);
    }

    private ScramCredential fake(String name, ScramHash hash) {
        byte[] mac = Passwords.hmac(ScramHash.SHA_256, secret,
                ("fake-salt:" + hash + ":" + name).getBytes(StandardCharsets.UTF_8));
        byte[] salt = Arrays.copyOf(mac, Passwords.SALT_BYTES);
        byte[] stored = new byte[hash.length()];
        byte[] server = new byte[hash.length()];
        random.nextBytes(stored);
        random.nextBytes(server);
        return new ScramCredential(hash, salt, iterations, stored, server);
    }
}
