package io.switchboard.app;

import io.switchboard.component.ComponentModule;
import io.switchboard.ext.extdisco.ExternalServicesModule;
import io.switchboard.ext.push.PushModule;
import io.switchboard.module.ServerModule;
import java.util.List;

/** The features the distribution runs, in start order. Listed here, not discovered. */
public final class Modules {

    private Modules() {
    }

    /** A fresh set of module instances (they hold per-server state). */
    public static List<ServerModule> all() {
        return List.of(new ComponentModule(), new PushModule(), new ExternalServicesModule());
    }
}
