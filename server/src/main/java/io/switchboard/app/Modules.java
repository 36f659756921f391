package io.switchboard.app;

import io.switchboard.component.ComponentModule;
import io.switchboard.ext.pubsub.PepModule;
import io.switchboard.ext.extdisco.ExternalServicesModule;
import io.switchboard.ext.push.PushModule;
import io.switchboard.http.HttpModule;
import io.switchboard.http.upload.UploadModule;
import io.switchboard.module.ServerModule;
import io.switchboard.muc.MucModule;
import io.switchboard.store.Storage;
import io.switchboard.s2s.FederationModule;
import java.util.List;

/** The features the distribution runs, in start order. Listed here, not discovered. */
public final class Modules {

    private Modules() {
    }

    /** A fresh set of module instances (they hold per-server state). */
    public static List<ServerModule> all() {
        HttpModule http = new HttpModule();
        return List.of(new ComponentModule(), new PushModule(), new ExternalServicesModule(),
                http, new UploadModule(http.routes()),
                new MucModule(Storage::mucRooms), new PepModule(Storage::pubsub), new FederationModule());
    }
}
