package io.switchboard.muc;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.config.Config;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The group chat settings are documented in the shipped file and overridable from the environment. */
class MucSettingsTest {

    @Test
    void everySettingIsDocumentedWithItsDefault() throws IOException {
        String text = Files.readString(Path.of("../conf/switchboard.properties"));
        for (Setting<?> s : new MucModule().settings()) {
            assertThat(text).as("conf/switchboard.properties documents " + s.key())
                    .containsPattern("(?m)^#" + Pattern.quote(s.key()) + " = ?" + Pattern.quote(printDefault(s)) + "$");
        }
    }

    private static <T> String printDefault(Setting<T> s) {
        return s.print(s.defaultValue());
    }

    @Test
    void environmentVariablesOverrideTheFile() throws IOException {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.all());
        all.addAll(new MucModule().settings());
        Config c = new ConfigLoader(all).load(Path.of("../conf/switchboard.properties"),
                Map.of("SWITCHBOARD_MUC_HISTORY_SIZE", "7", "SWITCHBOARD_MUC_CREATE_ROOMS", "anyone",
                        "SWITCHBOARD_DOMAIN", "example.org"));
        assertThat(c.get(MucModule.HISTORY_SIZE)).isEqualTo(7);
        assertThat(c.get(MucModule.CREATE_ROOMS)).isEqualTo(MucModule.CreateRooms.ANYONE);
        assertThat(c.get(MucModule.DOMAIN)).isEmpty();
    }
}
