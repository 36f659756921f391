package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.config.ConfigLoader;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FederationSettingsTest {

    @Test
    void everySettingIsDocumentedInTheShippedConfiguration() throws Exception {
        String text = Files.readString(Path.of("../conf/switchboard.properties"));
        for (Setting<?> s : new FederationModule().settings()) {
            assertThat(text).as("conf/switchboard.properties mentions " + s.key())
                    .containsPattern("(?m)^#?\\s*" + Pattern.quote(s.key()) + "\\s*=");
        }
    }

    @Test
    void staticRoutesComeFromTheEnvironment() {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.all());
        all.addAll(new FederationModule().settings());
        var c = new ConfigLoader(all).load(null, Map.of("SWITCHBOARD_S2S_STATIC_ROUTES", "x.test=127.0.0.1:5270",
                "SWITCHBOARD_S2S_DIALBACK", "deny"));
        assertThat(c.get(FederationModule.STATIC_ROUTES)).containsExactly("x.test=127.0.0.1:5270");
        assertThat(c.get(FederationModule.DIALBACK)).isEqualTo(FederationModule.DialbackPolicy.DENY);
    }
}
