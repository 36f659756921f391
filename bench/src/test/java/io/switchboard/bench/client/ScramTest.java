package io.switchboard.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The client side of SCRAM against the examples of RFC 5802 §5 and RFC 7677 §3. */
class ScramTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void scramSha1() throws Exception {
        Scram s = Scram.withNonce(Scram.Hash.SHA_1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        assertThat(text(s.clientFirst())).isEqualTo("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        String last = s.clientFinal(b64("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
        assertThat(text(last)).isEqualTo("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
        assertThat(s.verifyServerFinal(b64("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="))).isTrue();
        assertThat(s.verifyServerFinal(b64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="))).isFalse();
    }

    @Test
    void scramSha256() throws Exception {
        Scram s = Scram.withNonce(Scram.Hash.SHA_256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        s.clientFirst();
        String last = s.clientFinal(b64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
        assertThat(text(last)).isEqualTo(
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assertThat(s.verifyServerFinal(b64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))).isTrue();
    }

    @Test
    void cachedSaltedPasswordIsUsedOnlyForTheSameSaltAndIterations() throws Exception {
        ScramCache cache = new ScramCache();
        Scram first = new Scram(Scram.Hash.SHA_1, "user", "pencil", cache, "k");
        first.clientFirst();
        String nonce = text(first.clientFirst()).substring("n,,n=user,r=".length());
        first.clientFinal(b64("r=" + nonce + "srv,s=QSXCR+Q6sek8bf92,i=4096"));
        assertThat(first.computedSaltedPassword()).isTrue();

        Scram again = new Scram(Scram.Hash.SHA_1, "user", "pencil", cache, "k");
        String n2 = text(again.clientFirst()).substring("n,,n=user,r=".length());
        again.clientFinal(b64("r=" + n2 + "srv,s=QSXCR+Q6sek8bf92,i=4096"));
        assertThat(again.computedSaltedPassword()).isFalse();

        Scram newSalt = new Scram(Scram.Hash.SHA_1, "user", "pencil", cache, "k");
        String n3 = text(newSalt.clientFirst()).substring("n,,n=user,r=".length());
        newSalt.clientFinal(b64("r=" + n3 + "srv,s=AAAAAAAAAAAAAAAA,i=4096"));
        assertThat(newSalt.computedSaltedPassword()).isTrue();
    }

    @Test
    void refusesANonceThatDoesNotExtendOurs() {
        Scram s = Scram.withNonce(Scram.Hash.SHA_1, "user", "pencil", "abc");
        s.clientFirst();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.clientFinal(b64("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096")))
                .isInstanceOf(Scram.ScramException.class);
    }
}
