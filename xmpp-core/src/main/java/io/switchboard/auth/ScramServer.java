package io.switchboard.auth;

import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * SCRAM (RFC 5802, RFC 7677) with optional channel binding (the -PLUS variants: tls-exporter per
 * RFC 9266, tls-server-end-point per RFC 5929). Unknown users go through the same steps with
 * invented credentials and fail at the end with {@code not-authorized}, like a wrong password.
 */
public final class ScramServer implements SaslServer {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_MESSAGE = 4096;

    private enum State { INITIAL, SENT_FIRST, DONE }

    private final ScramHash hash;
    private final boolean plus;
    private final AuthContext ctx;
    private final CredentialSource credentials;

    private State state = State.INITIAL;
    private String gs2Header;
    private String cbType;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private Jid user;
    private String authzid;
    private CredentialSource.Found found;

    public ScramServer(ScramHash hash, boolean plus, AuthContext ctx, CredentialSource credentials) {
        this.hash = hash;
        this.plus = plus;
        this.ctx = ctx;
        this.credentials = credentials;
    }

    public static String mechanismName(ScramHash hash, boolean plus) {
        return hash.mechanism() + (plus ? "-PLUS" : "");
    }

    @Override
    public SaslStep evaluate(byte[] response) {
        try {
            return switch (state) {
                case INITIAL -> first(response);
                case SENT_FIRST -> last(response);
                case DONE -> fail(SaslFailure.MALFORMED_REQUEST, "the exchange is over", false);
            };
        } catch (IllegalArgumentException e) {
            return fail(SaslFailure.MALFORMED_REQUEST, e.getMessage(), false);
        }
    }

    private SaslStep first(byte[] response) {
        if (response == null || response.length == 0) {
            // SCRAM is client-first: an empty initial response asks for an empty challenge.
            return new SaslStep.Challenge(new byte[0]);
        }
        if (response.length > MAX_MESSAGE) {
            return fail(SaslFailure.MALFORMED_REQUEST, "message too long", false);
        }
        String msg = new String(response, StandardCharsets.UTF_8);
        // gs2-header: flag "," [authzid] ","
        int c1 = msg.indexOf(',');
        int c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
        if (c1 < 0 || c2 < 0) {
            return fail(SaslFailure.MALFORMED_REQUEST, "no GS2 header", false);
        }
        String flag = msg.substring(0, c1);
        String az = msg.substring(c1 + 1, c2);
        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = msg.substring(c2 + 1);
        if (flag.startsWith("p=")) {
            if (!plus) {
                return fail(SaslFailure.MALFORMED_REQUEST, "channel binding requested with a mechanism without -PLUS", false);
            }
            cbType = flag.substring(2);
            if (ctx.tls() == null || !ctx.tls().channelBindingTypes().contains(cbType)) {
                return fail(SaslFailure.MALFORMED_REQUEST, "unsupported channel binding type " + cbType, false);
            }
        } else if (flag.equals("y")) {
            if (plus) {
                return fail(SaslFailure.MALFORMED_REQUEST, "-PLUS mechanism without channel binding", false);
            }
            if (ctx.plusAdvertised()) {
                // RFC 5802 §6: the client could bind, thinks we cannot, but we offered -PLUS: downgrade.
                return fail(SaslFailure.NOT_AUTHORIZED, "channel binding downgrade detected", false);
            }
        } else if (flag.equals("n")) {
            if (plus) {
                return fail(SaslFailure.MALFORMED_REQUEST, "-PLUS mechanism without channel binding", false);
            }
        } else {
            return fail(SaslFailure.MALFORMED_REQUEST, "bad GS2 flag", false);
        }
        if (!az.isEmpty()) {
            if (!az.startsWith("a=")) {
                return fail(SaslFailure.MALFORMED_REQUEST, "bad authzid", false);
            }
            authzid = decodeName(az.substring(2));
        }
        String[] parts = clientFirstBare.split(",", -1);
        if (parts.length < 2 || parts[0].startsWith("m=")) {
            return fail(SaslFailure.MALFORMED_REQUEST, "bad client-first-message", false);
        }
        if (!parts[0].startsWith("n=") || !parts[1].startsWith("r=") || parts[1].length() < 3) {
            return fail(SaslFailure.MALFORMED_REQUEST, "bad client-first-message", false);
        }
        String username = decodeName(parts[0].substring(2));
        String clientNonce = parts[1].substring(2);
        if (!printable(clientNonce)) {
            return fail(SaslFailure.MALFORMED_REQUEST, "bad nonce", false);
        }
        try {
            user = Jid.of(username, ctx.domain(), null);
        } catch (MalformedJidException e) {
            user = null;
        }
        found = credentials.lookup(user, hash);
        byte[] rnd = new byte[18];
        RANDOM.nextBytes(rnd);
        nonce = clientNonce + Base64.getEncoder().encodeToString(rnd);
        ScramCredential c = found.credential();
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(c.salt()) + ",i=" + c.iterations();
        state = State.SENT_FIRST;
        return new SaslStep.Challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
    }

    private SaslStep last(byte[] response) {
        state = State.DONE;
        if (response == null || response.length > MAX_MESSAGE) {
            return fail(SaslFailure.MALFORMED_REQUEST, "bad client-final-message", false);
        }
        String msg = new String(response, StandardCharsets.UTF_8);
        int p = msg.lastIndexOf(",p=");
        if (p < 0) {
            return fail(SaslFailure.MALFORMED_REQUEST, "no proof", false);
        }
        String withoutProof = msg.substring(0, p);
        String[] parts = withoutProof.split(",", -1);
        if (parts.length < 2 || !parts[0].startsWith("c=") || !parts[1].startsWith("r=")) {
            return fail(SaslFailure.MALFORMED_REQUEST, "bad client-final-message", false);
        }
        byte[] cb;
        byte[] proof;
        try {
            cb = Base64.getDecoder().decode(parts[0].substring(2));
            proof = Base64.getDecoder().decode(msg.substring(p + 3));
        } catch (IllegalArgumentException e) {
            return fail(SaslFailure.INCORRECT_ENCODING, "bad base64", false);
        }
        if (!parts[1].substring(2).equals(nonce)) {
            return fail(SaslFailure.NOT_AUTHORIZED, "nonce mismatch", false);
        }
        byte[] expectedCb = gs2Header.getBytes(StandardCharsets.UTF_8);
        if (cbType != null) {
            byte[] data = ctx.tls().channelBinding(cbType);
            if (data == null) {
                return fail(SaslFailure.NOT_AUTHORIZED, "channel binding unavailable", false);
            }
            byte[] joined = new byte[expectedCb.length + data.length];
            System.arraycopy(expectedCb, 0, joined, 0, expectedCb.length);
            System.arraycopy(data, 0, joined, expectedCb.length, data.length);
            expectedCb = joined;
        }
        ScramCredential c = found.credential();
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] am = authMessage.getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = Passwords.hmac(hash, c.storedKey(), am);
        byte[] clientKey = new byte[clientSignature.length];
        boolean proofLengthOk = proof.length == clientSignature.length;
        for (int i = 0; i < clientKey.length; i++) {
            clientKey[i] = (byte) ((proofLengthOk ? proof[i] : 0) ^ clientSignature[i]);
        }
        boolean keyOk = MessageDigest.isEqual(Passwords.hash(hash, clientKey), c.storedKey());
        byte[] serverSignature = Passwords.hmac(hash, c.serverKey(), am);
        boolean cbOk = MessageDigest.isEqual(cb, expectedCb);
        if (!keyOk || !proofLengthOk || !found.real()) {
            return fail(SaslFailure.NOT_AUTHORIZED, null, true);
        }
        if (!cbOk) {
            return fail(SaslFailure.NOT_AUTHORIZED, "channel binding mismatch", false);
        }
        if (authzid != null && !authzid.isEmpty()) {
            Jid az = Jid.tryOf(authzid).orElse(null);
            if (az == null || !az.equals(user)) {
                return fail(SaslFailure.INVALID_AUTHZID, "authorization identity differs from the user", false);
            }
        }
        String serverFinal = "v=" + Base64.getEncoder().encodeToString(serverSignature);
        return new SaslStep.Success(user, serverFinal.getBytes(StandardCharsets.UTF_8));
    }

    private SaslStep fail(SaslFailure f, String text, boolean credentialsChecked) {
        state = State.DONE;
        return new SaslStep.Failure(f, text, user, credentialsChecked);
    }

    /** saslname: "=2C" is ",", "=3D" is "="; any other "=" is malformed. */
    static String decodeName(String s) {
        if (s.indexOf('=') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '=') {
                if (s.startsWith("=2C", i)) {
                    sb.append(',');
                } else if (s.startsWith("=3D", i)) {
                    sb.append('=');
                } else {
                    throw new IllegalArgumentException("bad escape in name");
                }
                i += 2;
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') {
                return false;
            }
        }
        return true;
    }
}
