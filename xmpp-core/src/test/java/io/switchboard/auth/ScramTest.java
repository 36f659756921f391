package io.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import io.switchboard.store.memory.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

/** SCRAM against the RFC 5802 (SHA-1) and RFC 7677 (SHA-256) test vectors, and its failure paths. */
class ScramTest {

    static final String DOMAIN = "example.com";

    @Test
    void pbkdf2MatchesTheJdk() throws Exception {
        for (ScramHash h : ScramHash.values()) {
            String alg = h == ScramHash.SHA_1 ? "PBKDF2WithHmacSHA1" : "PBKDF2WithHmacSHA256";
            byte[] salt = {1, 2, 3, 4, 5, 6, 7, 8};
            for (int iters : new int[]{1, 2, 4096}) {
                byte[] ref = SecretKeyFactory.getInstance(alg)
                        .generateSecret(new PBEKeySpec("pencil".toCharArray(), salt, iters, h.length() * 8)).getEncoded();
                assertThat(Passwords.saltedPassword(h, "pencil".getBytes(StandardCharsets.UTF_8), salt, iters)).isEqualTo(ref);
            }
        }
    }

    @Test
    void rfc5802VectorSha1() {
        verifyVector(ScramHash.SHA_1, "QSXCR+Q6sek8bf92", 4096,
                "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
                "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    }

    @Test
    void rfc7677VectorSha256() {
        verifyVector(ScramHash.SHA_256, "W22ZaJ0SNY7soEsUEjb6gQ==", 4096,
                "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    /**
     * Replays a vector: the server's computations over the vector's own messages must give the
     * vector's ServerSignature. (The server's real nonce is random, so the messages are fed to the
     * same formulas the server uses.)
     */
    private static void verifyVector(ScramHash h, String salt, int iters, String clientFirst, String serverFirst,
                                     String clientFinal, String serverFinal) {
        ScramCredential c = Passwords.derive(h, "pencil", Base64.getDecoder().decode(salt), iters);
        String clientFirstBare = clientFirst.substring(3);
        String withoutProof = clientFinal.substring(0, clientFinal.lastIndexOf(",p="));
        byte[] am = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] proof = Base64.getDecoder().decode(clientFinal.substring(clientFinal.lastIndexOf(",p=") + 3));
        byte[] sig = Passwords.hmac(h, c.storedKey(), am);
        byte[] clientKey = new byte[sig.length];
        for (int i = 0; i < sig.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ sig[i]);
        }
        assertThat(Passwords.hash(h, clientKey)).isEqualTo(c.storedKey());
        assertThat("v=" + Base64.getEncoder().encodeToString(Passwords.hmac(h, c.serverKey(), am))).isEqualTo(serverFinal);
    }

    // ---- full exchanges through ScramServer with a client computed here ----

    private static final Jid USER = Jid.of("user@" + DOMAIN);

    private static CredentialSource source(String password) {
        InMemoryStorage s = new InMemoryStorage();
        s.users().create(new Account(USER, false, Instant.now(), Passwords.credentials(password, 4096)));
        return new CredentialSource(s.users(), new byte[32], 4096);
    }

    /** A minimal SCRAM client. Returns the final step. */
    static SaslStep exchange(SaslServer server, ScramHash h, String gs2, String user, String password, byte[] cbData,
                             String tamper) {
        String clientNonce = "clientnonce123";
        String bare = "n=" + user + ",r=" + clientNonce;
        SaslStep s1 = server.evaluate((gs2 + bare).getBytes(StandardCharsets.UTF_8));
        if (!(s1 instanceof SaslStep.Challenge c)) {
            return s1;
        }
        String serverFirst = new String(c.data(), StandardCharsets.UTF_8);
        Map<String, String> attrs = new java.util.HashMap<>();
        for (String kv : serverFirst.split(",")) {
            attrs.put(kv.substring(0, 1), kv.substring(2));
        }
        byte[] salted = Passwords.saltedPassword(h, password.getBytes(StandardCharsets.UTF_8),
                Base64.getDecoder().decode(attrs.get("s")), Integer.parseInt(attrs.get("i")));
        byte[] clientKey = Passwords.hmac(h, salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = Passwords.hash(h, clientKey);
        byte[] cbInput = gs2.getBytes(StandardCharsets.UTF_8);
        if (cbData != null) {
            byte[] j = new byte[cbInput.length + cbData.length];
            System.arraycopy(cbInput, 0, j, 0, cbInput.length);
            System.arraycopy(cbData, 0, j, cbInput.length, cbData.length);
            cbInput = j;
        }
        String nonce = "nonce".equals(tamper) ? attrs.get("r") + "x" : attrs.get("r");
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbInput) + ",r=" + nonce;
        byte[] am = (bare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] sig = Passwords.hmac(h, storedKey, am);
        byte[] proof = new byte[sig.length];
        for (int i = 0; i < sig.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ sig[i]);
        }
        String p = "badbase64".equals(tamper) ? "!!!" : Base64.getEncoder().encodeToString(proof);
        return server.evaluate((withoutProof + ",p=" + p).getBytes(StandardCharsets.UTF_8));
    }

    private static AuthContext plain() {
        return new AuthContext(DOMAIN, null, false);
    }

    @Test
    void aFullExchangeSucceedsWithTheRightPassword() {
        for (ScramHash h : ScramHash.values()) {
            SaslStep s = exchange(new ScramServer(h, false, plain(), source("pencil")), h, "n,,", "user", "pencil", null, null);
            assertThat(s).isInstanceOf(SaslStep.Success.class);
            assertThat(((SaslStep.Success) s).user()).isEqualTo(USER);
        }
    }

    @Test
    void wrongPasswordAndUnknownUserFailAlike() {
        SaslStep wrong = exchange(new ScramServer(ScramHash.SHA_256, false, plain(), source("pencil")), ScramHash.SHA_256,
                "n,,", "user", "crayon", null, null);
        SaslStep unknown = exchange(new ScramServer(ScramHash.SHA_256, false, plain(), source("pencil")), ScramHash.SHA_256,
                "n,,", "nobody", "pencil", null, null);
        assertThat(wrong).isInstanceOf(SaslStep.Failure.class);
        assertThat(unknown).isInstanceOf(SaslStep.Failure.class);
        assertThat(((SaslStep.Failure) wrong).condition()).isEqualTo(SaslFailure.NOT_AUTHORIZED);
        assertThat(((SaslStep.Failure) unknown).condition()).isEqualTo(SaslFailure.NOT_AUTHORIZED);
        assertThat(((SaslStep.Failure) wrong).text()).isEqualTo(((SaslStep.Failure) unknown).text());
    }

    @Test
    void unknownUsersGetAStableSaltAndTheUsualIterationCount() {
        CredentialSource src = source("pencil");
        ScramServer a = new ScramServer(ScramHash.SHA_256, false, plain(), src);
        ScramServer b = new ScramServer(ScramHash.SHA_256, false, plain(), src);
        String fa = new String(((SaslStep.Challenge) a.evaluate("n,,n=ghost,r=abc".getBytes())).data());
        String fb = new String(((SaslStep.Challenge) b.evaluate("n,,n=ghost,r=abc".getBytes())).data());
        assertThat(fa.substring(fa.indexOf(",s="))).isEqualTo(fb.substring(fb.indexOf(",s="))).endsWith(",i=4096");
    }

    @Test
    void tamperedExchangesFail() {
        assertThat(exchange(new ScramServer(ScramHash.SHA_1, false, plain(), source("pencil")), ScramHash.SHA_1,
                "n,,", "user", "pencil", null, "nonce")).isInstanceOf(SaslStep.Failure.class);
        SaslStep bad = exchange(new ScramServer(ScramHash.SHA_1, false, plain(), source("pencil")), ScramHash.SHA_1,
                "n,,", "user", "pencil", null, "badbase64");
        assertThat(((SaslStep.Failure) bad).condition()).isEqualTo(SaslFailure.INCORRECT_ENCODING);
        for (String garbage : new String[]{"", "x", "n,", "q,,n=user,r=a", "n,,r=a", "n,,m=ext,n=user,r=a", "n,,n=us=er,r=a",
                "p=tls-unique,,n=user,r=a"}) {
            SaslStep s = new ScramServer(ScramHash.SHA_1, false, plain(), source("pencil")).evaluate(garbage.getBytes());
            if (garbage.isEmpty()) {
                assertThat(s).isInstanceOf(SaslStep.Challenge.class);
            } else {
                assertThat(s).as(garbage).isInstanceOf(SaslStep.Failure.class);
            }
        }
        SaslStep huge = new ScramServer(ScramHash.SHA_1, false, plain(), source("pencil")).evaluate(new byte[64 * 1024]);
        assertThat(((SaslStep.Failure) huge).condition()).isEqualTo(SaslFailure.MALFORMED_REQUEST);
    }

    @Test
    void aClientThatCouldBindButSawNoPlusIsADowngrade() {
        AuthContext plusOffered = new AuthContext(DOMAIN, null, true);
        SaslStep s = new ScramServer(ScramHash.SHA_256, false, plusOffered, source("pencil"))
                .evaluate("y,,n=user,r=abc".getBytes());
        assertThat(((SaslStep.Failure) s).condition()).isEqualTo(SaslFailure.NOT_AUTHORIZED);
        // Without -PLUS on offer, 'y' is fine.
        SaslStep ok = exchange(new ScramServer(ScramHash.SHA_256, false, plain(), source("pencil")), ScramHash.SHA_256,
                "y,,", "user", "pencil", null, null);
        assertThat(ok).isInstanceOf(SaslStep.Success.class);
    }

    @Test
    void channelBindingMustMatchTheConnection() {
        byte[] cb = {9, 8, 7, 6};
        io.switchboard.transport.TlsInfo tls = new io.switchboard.transport.TlsInfo() {
            public String protocol() {
                return "TLSv1.3";
            }

            public String cipherSuite() {
                return "TLS_AES_128_GCM_SHA256";
            }

            public byte[] channelBinding(String type) {
                return "tls-exporter".equals(type) ? cb.clone() : null;
            }

            public java.util.List<String> channelBindingTypes() {
                return java.util.List.of("tls-exporter");
            }

            public java.util.List<java.security.cert.X509Certificate> peerCertificates() {
                return java.util.List.of();
            }
        };
        AuthContext ctx = new AuthContext(DOMAIN, tls, true);
        assertThat(exchange(new ScramServer(ScramHash.SHA_256, true, ctx, source("pencil")), ScramHash.SHA_256,
                "p=tls-exporter,,", "user", "pencil", cb, null)).isInstanceOf(SaslStep.Success.class);
        assertThat(exchange(new ScramServer(ScramHash.SHA_256, true, ctx, source("pencil")), ScramHash.SHA_256,
                "p=tls-exporter,,", "user", "pencil", new byte[]{1}, null)).isInstanceOf(SaslStep.Failure.class);
        assertThat(new ScramServer(ScramHash.SHA_256, true, ctx, source("pencil")).evaluate("p=tls-unique,,n=user,r=a".getBytes()))
                .isInstanceOf(SaslStep.Failure.class);
        assertThat(new ScramServer(ScramHash.SHA_256, true, ctx, source("pencil")).evaluate("n,,n=user,r=a".getBytes()))
                .isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void anAuthzidOtherThanTheUserIsRefused() {
        SaslStep s = exchange(new ScramServer(ScramHash.SHA_256, false, plain(), source("pencil")), ScramHash.SHA_256,
                "n,a=admin@example.com,", "user", "pencil", null, null);
        assertThat(((SaslStep.Failure) s).condition()).isEqualTo(SaslFailure.INVALID_AUTHZID);
        SaslStep own = exchange(new ScramServer(ScramHash.SHA_256, false, plain(), source("pencil")), ScramHash.SHA_256,
                "n,a=user@example.com,", "user", "pencil", null, null);
        assertThat(own).isInstanceOf(SaslStep.Success.class);
    }

    @Test
    void plainChecksThePasswordAndTheAuthzid() {
        CredentialSource src = source("pencil");
        assertThat(new PlainServer(plain(), src).evaluate("\0user\0pencil".getBytes())).isInstanceOf(SaslStep.Success.class);
        assertThat(new PlainServer(plain(), src).evaluate("\0user\0crayon".getBytes())).isInstanceOf(SaslStep.Failure.class);
        assertThat(((SaslStep.Failure) new PlainServer(plain(), src).evaluate("other@example.com\0user\0pencil".getBytes()))
                .condition()).isEqualTo(SaslFailure.INVALID_AUTHZID);
        for (String bad : new String[]{"user\0pencil", "\0\0pencil", "\0user\0", "\0user\0pencil\0x"}) {
            assertThat(((SaslStep.Failure) new PlainServer(plain(), src).evaluate(bad.getBytes())).condition())
                    .isEqualTo(SaslFailure.MALFORMED_REQUEST);
        }
    }

    @Test
    void storedCredentialsNeverContainThePassword() {
        Map<ScramHash, ScramCredential> c = Passwords.credentials("correct horse battery staple", 4096);
        for (ScramCredential cred : c.values()) {
            String all = new String(cred.salt(), StandardCharsets.ISO_8859_1) + new String(cred.storedKey(), StandardCharsets.ISO_8859_1)
                    + new String(cred.serverKey(), StandardCharsets.ISO_8859_1);
            assertThat(all).doesNotContain("correct horse");
            assertThat(cred.iterations()).isEqualTo(4096);
        }
        assertThat(Passwords.matches(c.get(ScramHash.SHA_256), "correct horse battery staple")).isTrue();
        assertThat(Passwords.matches(c.get(ScramHash.SHA_256), "Correct horse battery staple")).isFalse();
    }
}
