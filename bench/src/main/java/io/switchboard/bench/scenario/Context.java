package io.switchboard.bench.scenario;

import io.switchboard.bench.Target;
import io.switchboard.bench.client.ClientPool;
import io.switchboard.bench.report.Output;

/**
 * What a scenario runs with.
 *
 * @param deadlineNanos {@code System.nanoTime()} by which the scenario must have finished
 */
public record Context(Target target, ClientPool pool, Output out, Meter meter, long deadlineNanos) {

    public long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }
}
