package io.switchboard.bench.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A measurement. Each scenario reads its own options when constructed, runs against the
 * context's target and returns its result: the figures (see
 * {@link io.switchboard.bench.report.Metrics}) and {@code ok}, true when every login succeeded
 * and every message arrived exactly once. Group fan-out (MUC) and offline/archive scenarios plug
 * in here the same way: they bring sessions up with {@link Logins} and count with {@link Meter}.
 */
public interface Scenario {

    String name();

    Map<String, Object> run(Context ctx) throws InterruptedException;

    /** A result that starts with the scenario's name and the server's label, as every table needs. */
    default Map<String, Object> newResult(Context ctx) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("scenario", name());
        r.put("server", ctx.target().label());
        return r;
    }
}
