package io.switchboard.testing;

import io.switchboard.auth.Passwords;
import io.switchboard.store.ScramHash;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** The client side of SCRAM, for tests that speak SASL over raw sockets. */
public final class ScramClient {

    private final ScramHash hash;
    private final String gs2;
    private final byte[] cbData;
    private final String user;
    private final String password;
    private final String clientNonce = "cn" + Long.toHexString(System.nanoTime());
    private String bare;
    private byte[] serverSignature;

    /**
     * @param gs2    the GS2 header, e.g. {@code n,,} or {@code p=tls-exporter,,}
     * @param cbData channel binding data for {@code p=}, or null
     */
    public ScramClient(ScramHash hash, String gs2, byte[] cbData, String user, String password) {
        this.hash = hash;
        this.gs2 = gs2;
        this.cbData = cbData;
        this.user = user;
        this.password = password;
    }

    public String first() {
        bare = "n=" + user + ",r=" + clientNonce;
        return b64((gs2 + bare).getBytes(StandardCharsets.UTF_8));
    }

    /** Answers the server-first message (base64 as in the challenge element). */
    public String last(String challengeB64) {
        String serverFirst = new String(Base64.getDecoder().decode(challengeB64), StandardCharsets.UTF_8);
        Map<String, String> a = new HashMap<>();
        for (String kv : serverFirst.split(",")) {
            a.put(kv.substring(0, 1), kv.substring(2));
        }
        if (!a.get("r").startsWith(clientNonce)) {
            throw new AssertionError("server nonce does not extend ours");
        }
        byte[] salted = Passwords.saltedPassword(hash, password.getBytes(StandardCharsets.UTF_8),
                Base64.getDecoder().decode(a.get("s")), Integer.parseInt(a.get("i")));
        byte[] clientKey = Passwords.hmac(hash, salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = Passwords.hash(hash, clientKey);
        byte[] serverKey = Passwords.hmac(hash, salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
        byte[] cb = gs2.getBytes(StandardCharsets.UTF_8);
        if (cbData != null) {
            byte[] j = new byte[cb.length + cbData.length];
            System.arraycopy(cb, 0, j, 0, cb.length);
            System.arraycopy(cbData, 0, j, cb.length, cbData.length);
            cb = j;
        }
        String withoutProof = "c=" + b64(cb) + ",r=" + a.get("r");
        byte[] am = (bare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] sig = Passwords.hmac(hash, storedKey, am);
        byte[] proof = new byte[sig.length];
        for (int i = 0; i < sig.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ sig[i]);
        }
        serverSignature = Passwords.hmac(hash, serverKey, am);
        return b64((withoutProof + ",p=" + b64(proof)).getBytes(StandardCharsets.UTF_8));
    }

    /** Checks the server's proof of knowing the password (the v= in success). */
    public boolean verifyServer(String successB64) {
        String s = new String(Base64.getDecoder().decode(successB64), StandardCharsets.UTF_8);
        return s.equals("v=" + b64(serverSignature));
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
