package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private final ConfigLoader loader = new ConfigLoader(CoreSettings.all());

    @Test
    void defaultsWithoutAnyConfiguration() {
        Config c = loader.load(null, Map.of());
        assertThat(c.get(CoreSettings.DOMAIN)).isEqualTo("localhost");
        assertThat(c.get(CoreSettings.DATA_DIR)).isEqualTo("./data");
        assertThat(c.get(CoreSettings.C2S_PORT)).isEqualTo(5222);
        assertThat(c.get(CoreSettings.C2S_TLS_PORT)).isEqualTo(5223);
        assertThat(c.get(CoreSettings.S2S_PORT)).isEqualTo(5269);
        assertThat(c.get(CoreSettings.HTTP_PORT)).isEqualTo(5280);
        assertThat(c.get(CoreSettings.ADMIN_PORT)).isEqualTo(9090);
        assertThat(c.get(CoreSettings.C2S_REQUIRE_TLS)).isTrue();
        assertThat(c.get(CoreSettings.REGISTRATION_OPEN)).isFalse();
        assertThat(c.get(CoreSettings.DATABASE_URL)).isEmpty();
        assertThat(c.source(CoreSettings.DOMAIN)).isEqualTo(Config.Source.DEFAULT);
    }

    @Test
    void theIssuesEnvironmentVariablesExist() {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : CoreSettings.all()) {
            names.add(s.envName());
        }
        assertThat(names).contains("SWITCHBOARD_DOMAIN", "SWITCHBOARD_DATA_DIR", "SWITCHBOARD_C2S_PORT",
                "SWITCHBOARD_C2S_TLS_PORT", "SWITCHBOARD_S2S_PORT", "SWITCHBOARD_HTTP_PORT", "SWITCHBOARD_ADMIN_PORT",
                "SWITCHBOARD_DATABASE_URL", "SWITCHBOARD_DATABASE_USER", "SWITCHBOARD_DATABASE_PASSWORD",
                "SWITCHBOARD_C2S_REQUIRE_TLS", "SWITCHBOARD_REGISTRATION_OPEN");
    }

    @Test
    void fileThenEnvironmentOverride(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("switchboard.properties");
        Files.writeString(f, "# comment\ndomain = chat.example.org\nc2s.port = 15222\nc2s.pre-auth-timeout = 30s\n");
        Config c = loader.load(f, Map.of("SWITCHBOARD_C2S_PORT", "25222", "PATH", "/bin", "SWITCHBOARD_JAVA_OPTS", "-Xmx1g"));
        assertThat(c.get(CoreSettings.DOMAIN)).isEqualTo("chat.example.org");
        assertThat(c.source(CoreSettings.DOMAIN)).isEqualTo(Config.Source.FILE);
        assertThat(c.get(CoreSettings.C2S_PORT)).isEqualTo(25222);
        assertThat(c.source(CoreSettings.C2S_PORT)).isEqualTo(Config.Source.ENVIRONMENT);
        assertThat(c.get(CoreSettings.C2S_PRE_AUTH_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anUnknownKeyIsNamed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("switchboard.properties");
        Files.writeString(f, "domian = x\n");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("domian");
        assertThatThrownBy(() -> loader.load(null, Map.of("SWITCHBOARD_C2S_PROT", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SWITCHBOARD_C2S_PROT");
    }

    @Test
    void aBadValueNamesTheKeyAndWhatIsExpected() {
        assertThatThrownBy(() -> loader.load(null, Map.of("SWITCHBOARD_C2S_PORT", "seventy")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SWITCHBOARD_C2S_PORT")
                .hasMessageContaining("integer from 0 to 65535");
        assertThatThrownBy(() -> loader.load(null, Map.of("SWITCHBOARD_C2S_REQUIRE_TLS", "maybe")))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> loader.load(Map.of("c2s.max-stanza-size", "lots")))
                .hasMessageContaining("c2s.max-stanza-size").hasMessageContaining("size");
        assertThatThrownBy(() -> loader.load(Map.of("c2s.resource-conflict", "fight")))
                .hasMessageContaining("kick-old, refuse-new");
    }

    @Test
    void theShippedConfigurationFileDocumentsEveryKeyAndOnlyThose() throws IOException {
        Path conf = Path.of("../conf/switchboard.properties");
        assertThat(conf).exists();
        String text = Files.readString(conf);
        for (Setting<?> s : CoreSettings.all()) {
            assertThat(text).as("conf/switchboard.properties mentions " + s.key()).containsPattern("(?m)^#?\\s*" +
                    java.util.regex.Pattern.quote(s.key()) + "\\s*=");
        }
        Properties p = new Properties();
        p.load(new java.io.StringReader(text));
        for (String k : p.stringPropertyNames()) {
            assertThat(CoreSettings.all().stream().anyMatch(s -> s.key().equals(k))).as("known key " + k).isTrue();
        }
        loader.load(conf, Map.of());
        // Every module setting of the core's modules is documented too.
        for (var m : java.util.List.of(new io.switchboard.component.ComponentModule(),
                new io.switchboard.ext.push.PushModule(), new io.switchboard.ext.extdisco.ExternalServicesModule(),
                new io.switchboard.ext.pubsub.PepModule())) {
            for (Setting<?> st : m.settings()) {
                assertThat(text).as("conf/switchboard.properties mentions " + st.key())
                        .containsPattern("(?m)^#?\\s*" + java.util.regex.Pattern.quote(st.key()) + "\\s*=");
            }
        }
    }
}
