package io.switchboard.module;

import io.switchboard.config.Setting;
import io.switchboard.handler.HandlerRegistry;
import java.util.List;

/**
 * A feature that plugs into the server without the server knowing it: group chat, federation,
 * PEP, HTTP upload, push. The launcher lists the modules explicitly (no class-path scanning); tests
 * choose exactly the ones they need.
 *
 * <p>Life cycle: {@link #settings()} while the configuration is read; {@link #register} before the
 * handler registry is sealed; {@link #start} once routing exists; {@link #stop} at shutdown, in
 * reverse order, before storage closes.
 */
public interface ServerModule {

    /** For logs. */
    String name();

    /** The configuration keys this module reads (they join the server's documented settings). */
    default List<Setting<?>> settings() {
        return List.of();
    }

    /** Adds IQ handlers, disco features and identities. */
    default void register(HandlerRegistry.Builder handlers, ModuleContext ctx) {
    }

    /** Starts: hooks, filters, components, listeners. Everything in {@code ctx} is available now. */
    default void start(ModuleContext ctx) throws Exception {
    }

    default void stop() {
    }
}
