package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.server.ServerSecret;
import org.junit.jupiter.api.Test;

class DialbackKeysTest {

    @Test
    void keysVerifyOnlyForTheirDomainsStreamAndSecret() {
        DialbackKeys k = new DialbackKeys(ServerSecret.random());
        String key = k.key("b.test", "a.test", "stream1");
        assertThat(key).hasSize(64).matches("[0-9a-f]+");
        assertThat(k.verify("b.test", "a.test", "stream1", key)).isTrue();
        assertThat(k.verify("b.test", "a.test", "stream2", key)).isFalse();
        assertThat(k.verify("c.test", "a.test", "stream1", key)).isFalse();
        assertThat(k.verify("b.test", "a.test", "stream1", null)).isFalse();
        assertThat(new DialbackKeys(ServerSecret.random()).verify("b.test", "a.test", "stream1", key)).isFalse();
    }
}
