package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import java.util.Map;

/**
 * Scenario 2, 1:1 throughput: every sender keeps {@code window} messages unacknowledged (sent
 * and not yet received by its partner), so the server is kept as busy as it will go; the figure
 * is messages delivered per second, and server CPU per delivery.
 */
public final class ThroughputScenario extends MessagingScenario {

    public static final String USAGE = """
            throughput: P pairs; each sender keeps W messages in flight (a message counts as acknowledged
            when its recipient has it). Reports delivered messages/s, server CPU-us per delivery, and checks
            that every message arrived exactly once.
              --window W             unacknowledged messages per sender (default 10)
            """ + COMMON_USAGE;

    private final int window;

    public ThroughputScenario(Args a) {
        super(a);
        this.window = a.integer("window", 10, 1, 10_000);
    }

    @Override
    public String name() {
        return "throughput";
    }

    @Override
    Traffic.Mode mode() {
        return Traffic.Mode.WINDOW;
    }

    @Override
    int window() {
        return window;
    }

    @Override
    double rate() {
        return 0;
    }

    @Override
    void figures(Map<String, Object> r, Traffic.Summary s, double seconds, double serverCpu) {
        r.put("window", window);
        double rate = s.windowDelivered() / seconds;
        r.put("delivered_per_s", rate);
        r.put("server_cpu_us_per_msg", Double.isNaN(serverCpu) || s.windowDelivered() == 0 ? null
                : serverCpu * 1e6 / s.windowDelivered());
        latencyFigures(r, s.latency());
    }
}
