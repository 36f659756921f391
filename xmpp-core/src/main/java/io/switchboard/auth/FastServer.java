package io.switchboard.auth;

import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.store.FastToken;
import io.switchboard.store.FastTokenStore;
import io.switchboard.store.ScramHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;

/**
 * The HT-* mechanisms of FAST (XEP-0484, draft-schmaus-kitten-sasl-ht): the client proves it holds
 * a token the server issued earlier with an HMAC over "Initiator" and the channel binding data; the
 * server answers with an HMAC over "Responder". Tokens are bound to the client installation
 * (user-agent id), expire, and a {@code count} that must increase stops replays.
 */
public final class FastServer implements SaslServer {

    public static final String NONE = "HT-SHA-256-NONE";
    public static final String ENDP = "HT-SHA-256-ENDP";
    public static final String EXPR = "HT-SHA-256-EXPR";

    private final String mechanism;
    private final AuthContext ctx;
    private final FastTokenStore tokens;
    private final String agent;
    private final long count;
    private final Clock clock;
    private FastToken used;
    private boolean done;

    /**
     * @param agent the user-agent id from {@code <authenticate/>}
     * @param count the {@code count} from {@code <fast/>}, or -1 when absent
     */
    public FastServer(String mechanism, AuthContext ctx, FastTokenStore tokens, String agent, long count, Clock clock) {
        this.mechanism = mechanism;
        this.ctx = ctx;
        this.tokens = tokens;
        this.agent = agent;
        this.count = count;
        this.clock = clock;
    }

    /** The token that authenticated (after success). */
    public FastToken used() {
        return used;
    }

    /** Channel binding type of an HT mechanism, null for -NONE. */
    public static String bindingType(String mechanism) {
        return switch (mechanism) {
            case ENDP -> "tls-server-end-point";
            case EXPR -> "tls-exporter";
            default -> null;
        };
    }

    @Override
    public SaslStep evaluate(byte[] response) {
        if (done) {
            return fail(SaslFailure.MALFORMED_REQUEST, "the exchange is over", null);
        }
        done = true;
        if (response == null || agent == null) {
            return fail(SaslFailure.MALFORMED_REQUEST, "FAST needs an initial response and a user-agent id", null);
        }
        int nul = -1;
        for (int i = 0; i < response.length; i++) {
            if (response[i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul <= 0 || nul == response.length - 1) {
            return fail(SaslFailure.MALFORMED_REQUEST, "expected username NUL proof", null);
        }
        Jid user;
        try {
            user = Jid.of(new String(response, 0, nul, StandardCharsets.UTF_8), ctx.domain(), null);
        } catch (MalformedJidException e) {
            return fail(SaslFailure.NOT_AUTHORIZED, null, null);
        }
        byte[] proof = java.util.Arrays.copyOfRange(response, nul + 1, response.length);
        byte[] cb = new byte[0];
        String type = bindingType(mechanism);
        if (type != null) {
            cb = ctx.tls() == null ? null : ctx.tls().channelBinding(type);
            if (cb == null) {
                return fail(SaslFailure.NOT_AUTHORIZED, "channel binding unavailable", user);
            }
        }
        List<FastToken> candidates = tokens.find(user, agent);
        for (FastToken t : candidates) {
            if (!t.mechanism().equals(mechanism) || !t.expiry().isAfter(clock.instant())) {
                continue;
            }
            byte[] expected = hmac(t.token(), "Initiator", cb);
            if (MessageDigest.isEqual(expected, proof)) {
                if (count >= 0 && count <= t.count()) {
                    return fail(SaslFailure.NOT_AUTHORIZED, "replayed FAST authentication", user);
                }
                used = t;
                if (count >= 0) {
                    tokens.updateCount(t, count);
                }
                return new SaslStep.Success(user, hmac(t.token(), "Responder", cb));
            }
        }
        return fail(SaslFailure.NOT_AUTHORIZED, null, user);
    }

    private static SaslStep fail(SaslFailure f, String text, Jid user) {
        return new SaslStep.Failure(f, text, user, true);
    }

    static byte[] hmac(String token, String label, byte[] cb) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[l.length + cb.length];
        System.arraycopy(l, 0, data, 0, l.length);
        System.arraycopy(cb, 0, data, l.length, cb.length);
        return Passwords.hmac(ScramHash.SHA_256, token.getBytes(StandardCharsets.UTF_8), data);
    }
}
