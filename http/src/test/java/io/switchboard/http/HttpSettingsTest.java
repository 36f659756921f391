package io.switchboard.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.config.Config;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.DataSize;
import io.switchboard.config.Setting;
import io.switchboard.http.upload.UploadModule;
import io.switchboard.module.ServerModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every HTTP and upload setting is documented with its default and can be set from the environment. */
class HttpSettingsTest {

    static final HttpModule HTTP = new HttpModule();
    static final List<ServerModule> MODULES = List.of(HTTP, new UploadModule(HTTP.routes()));

    static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.all());
        for (ServerModule m : MODULES) {
            all.addAll(m.settings());
        }
        return all;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static String printDefault(Setting s) {
        return s.print(s.defaultValue());
    }

    @Test
    void theShippedConfigurationDocumentsEverySettingWithItsDefault() throws IOException {
        String text = Files.readString(Path.of("../conf/switchboard.properties"));
        for (ServerModule m : MODULES) {
            for (Setting<?> s : m.settings()) {
                String def = printDefault(s);
                String line = "(?m)^#" + Pattern.quote(s.key()) + " =" + (def.isEmpty() ? "" : " " + Pattern.quote(def)) + "$";
                assertThat(text).as("conf/switchboard.properties documents " + s.key()).containsPattern(line);
            }
        }
        new ConfigLoader(all()).load(Path.of("../conf/switchboard.properties"), Map.of());
    }

    @Test
    void theEnvironmentOverridesThem() {
        Config c = new ConfigLoader(all()).load(null, Map.of("SWITCHBOARD_UPLOAD_MAX_FILE_SIZE", "5MiB",
                "SWITCHBOARD_UPLOAD_SLOT_LIFETIME", "2m", "SWITCHBOARD_HTTP_TLS", "false",
                "SWITCHBOARD_HTTP_MAX_CONCURRENT_REQUESTS", "7"));
        assertThat(c.get(UploadModule.MAX_FILE_SIZE)).isEqualTo(new DataSize(5 * 1024 * 1024));
        assertThat(c.get(UploadModule.SLOT_LIFETIME)).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.get(HttpModule.TLS)).isFalse();
        assertThat(c.get(HttpModule.MAX_CONCURRENT)).isEqualTo(7);
    }
}
