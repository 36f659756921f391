package io.switchboard.jid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7622 §3.5 examples, and the canonical forms security.md B5 and D1 require. */
class JidTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // §3.5.1 valid examples: input | canonical form
            "juliet@example.com|juliet@example.com",
            "juliet@example.com/foo|juliet@example.com/foo",
            "juliet@example.com/foo bar|juliet@example.com/foo bar",
            "juliet@example.com/foo@bar|juliet@example.com/foo@bar",
            "foo\\20bar@example.com|foo\\20bar@example.com",
            "fussball@example.com|fussball@example.com",
            "fußball@example.com|fußball@example.com",
            "π@example.com|π@example.com",
            "Σ@example.com/foo|σ@example.com/foo",
            "σ@example.com/foo|σ@example.com/foo",
            "ς@example.com/foo|ς@example.com/foo",
            "king@example.com/♚|king@example.com/♚",
            "example.com|example.com",
            "example.com/foobar|example.com/foobar",
            "a.example.com/b@example.net|a.example.com/b@example.net",
            // Case and width mapping, final dot, IDN to U-label
            "Juliet@Example.COM/Balcony|juliet@example.com/Balcony",
            "ＡＤＭＩＮ@example.com|admin@example.com",
            "user@example.com.|user@example.com",
            "user@xn--bcher-kva.example|user@bücher.example",
            "user@127.0.0.1|user@127.0.0.1",
            "user@[::1]/r|user@[::1]/r",
    })
    void validJidsHaveOneCanonicalForm(String input, String canonical) {
        Jid j = Jid.of(input);
        assertThat(j.toString()).isEqualTo(canonical);
        assertThat(Jid.of(canonical)).isEqualTo(j);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // §3.5.2 invalid examples
            "\"juliet\"@example.com", "foo bar@example.com", "juliet@example.com/ foo", "@example.com/",
            "henryⅣ@example.com/", "♚@example.com", "juliet@", "/foobar",
            // security.md D1 and B5
            "@d.test", "u@", "u@@d.test", "d.test/", "u@d.test/", "u&'<>:@d.test", "admin\u200b@d.test", "ﬁnance@d.test",
            "u@d.test/a\u0000b", "u@under_score.test", "u@-bad.test",
    })
    void invalidJidsAreRefused(String input) {
        assertThatThrownBy(() -> Jid.of(input)).isInstanceOf(MalformedJidException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1023, 1024})
    void partsAreLimitedTo1023Bytes(int len) {
        String local = "a".repeat(len);
        if (len <= 1023) {
            assertThat(Jid.of(local + "@d.test").local()).hasSize(len);
            assertThat(Jid.of("u@d.test/" + "r".repeat(len)).resource()).hasSize(len);
        } else {
            assertThatThrownBy(() -> Jid.of(local + "@d.test")).isInstanceOf(MalformedJidException.class);
            assertThatThrownBy(() -> Jid.of("u@d.test/" + "r".repeat(len))).isInstanceOf(MalformedJidException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {340, 341, 342})
    void multiByteCharactersAtTheLimitAreNeverCut(int n) {
        // 3-byte characters around the 1023-byte limit (CVE-2015-2058 class): accepted whole or refused.
        String local = "漢".repeat(n);
        if (n * 3 <= 1023) {
            assertThat(Jid.of(local + "@d.test").local()).isEqualTo(local);
        } else {
            assertThatThrownBy(() -> Jid.of(local + "@d.test")).isInstanceOf(MalformedJidException.class);
        }
    }

    @org.junit.jupiter.api.Test
    void nfcAndNfdFormsAreOneAccount() {
        assertThat(Jid.of("caf\u00e9@d.test")).isEqualTo(Jid.of("cafe\u0301@d.test"));
    }

    @org.junit.jupiter.api.Test
    void partsAndConversions() {
        Jid j = Jid.of("u@d.test/r");
        assertThat(j.isFull()).isTrue();
        assertThat(j.bare().toString()).isEqualTo("u@d.test");
        assertThat(j.domainJid().toString()).isEqualTo("d.test");
        assertThat(j.bare().withResource("x").toString()).isEqualTo("u@d.test/x");
        assertThat(Jid.of("d.test").isDomain()).isTrue();
        assertThat(j.sameBare(Jid.of("U@D.test/other"))).isTrue();
    }
}
