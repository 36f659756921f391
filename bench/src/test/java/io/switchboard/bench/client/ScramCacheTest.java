package io.switchboard.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The salted-password cache: per account, shared by accounts stored with the same salt, kept in a file. */
class ScramCacheTest {

    @Test
    void anAccountWithTheSameSaltAndCountReusesTheDerivedKey() {
        ScramCache c = new ScramCache();
        byte[] salted = {1, 2, 3};
        c.put("user1", Scram.Hash.SHA_1, "c2FsdA==", 4096, salted);
        assertThat(c.get("user2", Scram.Hash.SHA_1, "c2FsdA==", 4096)).isEqualTo(salted);
        assertThat(c.knows("user2")).isTrue();
        assertThat(c.get("user3", Scram.Hash.SHA_1, "b3RoZXI=", 4096)).isNull();
        assertThat(c.get("user3", Scram.Hash.SHA_1, "c2FsdA==", 10000)).isNull();
        assertThat(c.get("user3", Scram.Hash.SHA_256, "c2FsdA==", 4096)).isNull();
        assertThat(c.knows("user3")).isFalse();
    }

    @Test
    void survivesASaveAndLoad() throws Exception {
        Path dir = Files.createTempDirectory("scram-cache");
        Path file = dir.resolve("cache.txt");
        ScramCache c = new ScramCache();
        c.put("user1", Scram.Hash.SHA_256, "c2FsdA==", 4096, new byte[] {9, 8, 7});
        c.save(file);
        ScramCache loaded = ScramCache.load(file);
        assertThat(loaded.get("user1", Scram.Hash.SHA_256, "c2FsdA==", 4096)).containsExactly(9, 8, 7);
        assertThat(loaded.get("user9", Scram.Hash.SHA_256, "c2FsdA==", 4096)).containsExactly(9, 8, 7);
        Files.delete(file);
        Files.delete(dir);
    }
}
