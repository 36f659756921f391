package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import io.switchboard.bench.metrics.Histogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 3, latency at a fixed rate: senders keep a schedule (open loop: a late send is timed
 * from when it should have left, so a stalled server or client cannot hide its stall), and the
 * receiver, in the same process, takes the difference to the time in the body.
 */
public final class LatencyScenario extends MessagingScenario {

    public static final String USAGE = """
            latency: P pairs sending at a fixed aggregate rate; reports p50/p90/p99/p99.9/max delivery latency
            (send time in the body, measured by the same process) and checks exactly-once delivery.
              --rate R               messages per second over all pairs, or:
              --peak N --fraction F  rate = F x N (e.g. the throughput scenario's delivered/s and 0.5)
            """ + COMMON_USAGE;

    /** Percentiles kept in the result for plots. */
    static final double[] DISTRIBUTION = {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};

    private final double rate;

    public LatencyScenario(Args a) {
        super(a);
        if (a.has("rate")) {
            rate = a.decimal("rate", 1000, 1, 2_000_000);
        } else if (a.has("peak")) {
            rate = a.decimal("peak", 0, 1, 10_000_000) * a.decimal("fraction", 0.5, 0.01, 1.0);
        } else {
            throw new Args.UsageException("latency needs --rate R, or --peak N with --fraction F");
        }
        if (rate / pairs > 100_000) {
            throw new Args.UsageException("more than 100,000 messages per second per pair; use more pairs");
        }
    }

    @Override
    public String name() {
        return "latency";
    }

    @Override
    Traffic.Mode mode() {
        return Traffic.Mode.RATE;
    }

    @Override
    int window() {
        return 0;
    }

    @Override
    double rate() {
        return rate;
    }

    @Override
    void figures(Map<String, Object> r, Traffic.Summary s, double seconds, double serverCpu) {
        r.put("rate_target", rate);
        r.put("rate", s.windowSent() / seconds);
        r.put("server_cpu_us_per_msg", Double.isNaN(serverCpu) || s.windowDelivered() == 0 ? null
                : serverCpu * 1e6 / s.windowDelivered());
        Histogram h = s.latency();
        latencyFigures(r, h);
        r.put("send_lag_ms_p99", s.lag().percentile(99) / 1000.0);
        r.put("send_lag_ms_max", s.lag().max() / 1000.0);
        List<List<Double>> dist = new ArrayList<>();
        for (double p : DISTRIBUTION) {
            dist.add(List.of(p, h.percentile(p) / 1000.0));
        }
        r.put("distribution_ms", dist);
    }
}
