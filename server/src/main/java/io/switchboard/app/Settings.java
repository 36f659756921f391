package io.switchboard.app;

import io.switchboard.config.CoreSettings;
import io.switchboard.config.Setting;
import io.switchboard.module.ServerModule;
import java.util.ArrayList;
import java.util.List;

/** Every module's settings: the keys the configuration file and SWITCHBOARD_* variables may use. */
final class Settings {

    private Settings() {
    }

    static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.all());
        for (ServerModule m : Modules.all()) {
            all.addAll(m.settings());
        }
        return all;
    }
}
