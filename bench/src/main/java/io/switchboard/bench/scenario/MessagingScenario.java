package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import io.switchboard.bench.metrics.Histogram;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the 1:1 throughput and latency scenarios share: log the pairs in, send for a warm-up and a
 * measured period, stop sending, wait until every message has arrived (or the drain time runs
 * out), check that each arrived exactly once, log out.
 */
abstract class MessagingScenario implements Scenario {

    static final String COMMON_USAGE = """
              --pairs P              sender/receiver pairs: accounts 1..2P of the target (default 100)
              --warmup D             sending before the measurement starts (default 5s)
              --duration D           measured period (default 15s)
              --drain D              longest wait for the last messages after sending stopped (default 15s)
              --payload N            characters of padding in each body (default 64)
              --max-pending N        logins under way at once while the pairs log in (default 64)""";

    final int pairs;
    final Duration warmup;
    final Duration duration;
    final Duration drain;
    final int payload;
    final int maxPending;

    MessagingScenario(Args a) {
        this.pairs = a.integer("pairs", 100, 1, 25_000);
        this.warmup = a.duration("warmup", Duration.ofSeconds(5), Duration.ofMinutes(10));
        this.duration = a.duration("duration", Duration.ofSeconds(15), Duration.ofMinutes(30));
        this.drain = a.duration("drain", Duration.ofSeconds(15), Duration.ofMinutes(5));
        this.payload = a.integer("payload", 64, 0, 60_000);
        this.maxPending = a.integer("max-pending", 64, 1, 10_000);
        if (duration.isZero()) {
            throw new Args.UsageException("--duration must be more than zero");
        }
    }

    abstract Traffic.Mode mode();

    abstract int window();

    /** Messages per second over all pairs (RATE mode). */
    abstract double rate();

    /** Scenario-specific figures. */
    abstract void figures(Map<String, Object> r, Traffic.Summary s, double seconds, double serverCpu);

    @Override
    public Map<String, Object> run(Context ctx) throws InterruptedException {
        var pool = ctx.pool();
        var out = ctx.out();
        Map<String, Object> r = newResult(ctx);
        r.put("pairs", pairs);
        Traffic traffic = new Traffic(pool, mode(), window(), payload);
        int loops = pool.loopCount();
        Logins logins = new Logins(pool, 0, 2 * pairs, n -> Traffic.loopOf(n, loops), 0, maxPending, traffic, false);
        out.progress(name() + ": logging in " + 2 * pairs + " sessions");
        long loginTimeout = ctx.target().loginTimeout().toNanos() + TimeUnit.SECONDS.toNanos(2L * pairs / 50 + 10);
        boolean done = logins.run(Math.min(loginTimeout, ctx.remainingNanos()), () -> { });
        r.put("mechanism", logins.mechanism());
        if (!done || logins.failed() > 0) {
            out.progress(name() + ": " + logins.failed() + " logins failed: " + logins.failures());
            r.put("ok", false);
            r.put("error", "logins failed");
            r.put("login_failures", logins.failed());
            r.put("failures", logins.failures());
            logins.closeAll(TimeUnit.SECONDS.toNanos(10));
            return r;
        }
        traffic.pair(logins);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long from = start + warmup.toNanos();
        long to = from + duration.toNanos();
        out.progress(name() + ": " + traffic.pairCount() + " pairs sending; warm-up " + warmup.toSeconds() + " s, measuring "
                + duration.toSeconds() + " s");
        traffic.start(start, from, to, rate());

        sleepUntil(from, traffic, ctx, "warmup");
        Meter.Reading m0 = ctx.meter().read();
        sleepUntil(to, traffic, ctx, "measure");
        Meter.Reading m1 = ctx.meter().read();

        long drainEnd = System.nanoTime() + drain.toNanos();
        Traffic.Summary s = traffic.summary();
        while (s.received() < s.sent() && System.nanoTime() < drainEnd && traffic.sessionErrors() == 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            s = traffic.summary();
        }
        double seconds = duration.toNanos() / 1e9;
        double serverCpu = Meter.serverCpuSeconds(m0, m1);
        figures(r, s, seconds, serverCpu);
        r.putAll(Meter.cpu(m0, m1));
        r.put("sent", s.sent());
        r.put("delivered", s.received());
        r.put("lost", s.lost());
        r.put("duplicates", s.duplicates());
        r.put("out_of_order", s.outOfOrder());
        r.put("unexpected", s.foreign());
        r.put("bounced", s.bounced());
        r.put("session_errors", traffic.sessionErrors());
        if (!traffic.errors().isEmpty()) {
            r.put("errors", traffic.errors());
        }
        r.put("ok", s.lost() == 0 && s.duplicates() == 0 && s.foreign() == 0 && s.bounced() == 0
                && traffic.sessionErrors() == 0);
        out.progress(name() + ": sent " + s.sent() + ", delivered " + s.received() + ", lost " + s.lost() + ", duplicates "
                + s.duplicates());
        logins.closeAll(TimeUnit.SECONDS.toNanos(10));
        return r;
    }

    private void sleepUntil(long when, Traffic traffic, Context ctx, String phase) throws InterruptedException {
        long lastTick = System.nanoTime();
        long lastDelivered = traffic.deliveredSoFar();
        Meter.Reading last = ctx.meter().read();
        while (true) {
            long now = System.nanoTime();
            if (now >= when) {
                return;
            }
            if (now > ctx.deadlineNanos()) {
                throw new InterruptedException("deadline reached");
            }
            long nextTick = lastTick + TimeUnit.SECONDS.toNanos(1);
            LockSupport.parkNanos(Math.min(when, nextTick) - now);
            now = System.nanoTime();
            if (now >= nextTick) {
                long d = traffic.deliveredSoFar();
                Meter.Reading reading = ctx.meter().read();
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("scenario", name());
                sm.put("server", ctx.target().label());
                sm.put("phase", phase);
                sm.put("delivered_per_s", (d - lastDelivered) / ((now - lastTick) / 1e9));
                sm.put("in_flight", traffic.sentSoFar() - d);
                sm.putAll(Meter.cpu(last, reading));
                ctx.out().sample(sm);
                lastTick = now;
                lastDelivered = d;
                last = reading;
            }
        }
    }

    static void latencyFigures(Map<String, Object> r, Histogram h) {
        r.put("latency_ms_p50", h.percentile(50) / 1000.0);
        r.put("latency_ms_p90", h.percentile(90) / 1000.0);
        r.put("latency_ms_p99", h.percentile(99) / 1000.0);
        r.put("latency_ms_p999", h.percentile(99.9) / 1000.0);
        r.put("latency_ms_max", h.max() / 1000.0);
        r.put("latency_ms_mean", h.mean() / 1000.0);
        r.put("latency_samples", h.count());
    }
}
