package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import io.switchboard.bench.Target;
import io.switchboard.bench.client.ClientPool;
import io.switchboard.bench.metrics.Histogram;
import io.switchboard.bench.metrics.ProcStats;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 1, connections: ramp to N authenticated TLS sessions at a fixed login rate and hold
 * them. Reports the login rate achieved, server CPU per login, failures, and the server's memory
 * before and while holding the sessions (RSS, and heap after a full GC for a JVM).
 *
 * <p>A priming pass first logs every account in and out once, unmeasured: it fills the client's
 * SCRAM key cache (otherwise the client's PBKDF2, not the server, would set the login rate) and
 * warms every server the same way. Memory "before" is read before that pass.
 */
public final class ConnectionsScenario implements Scenario {

    public static final String USAGE = """
            connections: ramp to N authenticated TLS sessions at a fixed login rate, hold them, log out.
            Reports logins/s achieved, failures, server CPU per login, server RSS before/holding and per session.
              --sessions N           sessions, accounts 1..N of the target (default 1000)
              --rate L               logins started per second (default 200)
              --hold D               how long all sessions are held (default 10s)
              --max-pending N        logins under way at once at most (default 64)
              --prime true|false     unmeasured log-in/log-out pass over all accounts first (default true)""";

    private final int sessions;
    private final double rate;
    private final Duration hold;
    private final int maxPending;
    private final boolean prime;

    public ConnectionsScenario(Args a) {
        this.sessions = a.integer("sessions", 1000, 1, 100_000);
        this.rate = a.decimal("rate", 200, 1, 100_000);
        this.hold = a.duration("hold", Duration.ofSeconds(10), Duration.ofMinutes(30));
        this.maxPending = a.integer("max-pending", 64, 1, 10_000);
        this.prime = a.flag("prime", true);
    }

    @Override
    public String name() {
        return "connections";
    }

    @Override
    public Map<String, Object> run(Context ctx) throws InterruptedException {
        Target t = ctx.target();
        ClientPool pool = ctx.pool();
        var out = ctx.out();
        int loops = pool.loopCount();
        Map<String, Object> r = newResult(ctx);
        r.put("sessions", sessions);
        r.put("login_rate_target", rate);

        long heapBefore = heap(t);
        ProcStats.Sample before = ProcStats.read(t.serverPids());

        if (prime) {
            out.progress("connections: priming pass over " + sessions + " accounts (unmeasured)");
            Logins p = new Logins(pool, 0, sessions, n -> n % loops, 0, maxPending, null, false).closeWhenReady();
            p.run(Math.min(ctx.remainingNanos(), TimeUnit.MINUTES.toNanos(20)), () -> { });
            r.put("prime_ok", p.ok());
            r.put("prime_key_derivations", p.derivedKeys());
            p.closeAll(TimeUnit.SECONDS.toNanos(30));
            out.progress("connections: priming done (" + p.ok() + " ok, " + p.failed() + " failed, "
                    + p.derivedKeys() + " keys derived); settling 3 s");
            Thread.sleep(3000);
        }

        out.progress("connections: ramping to " + sessions + " sessions at " + rate + " logins/s");
        Logins logins = new Logins(pool, 0, sessions, n -> n % loops, rate, maxPending, null, false);
        Meter.Reading[] last = {ctx.meter().read()};
        Meter.Reading start = last[0];
        long[] lastOk = {0};
        long timeout = (long) (sessions / rate * 1e9) + t.loginTimeout().toNanos() + TimeUnit.SECONDS.toNanos(30);
        boolean finished = logins.run(Math.min(timeout, ctx.remainingNanos()), () -> {
            Meter.Reading now = ctx.meter().read();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("scenario", name());
            s.put("server", t.label());
            s.put("phase", "ramp");
            s.put("started", logins.started());
            s.put("ok", logins.ok());
            s.put("failed", logins.failed());
            s.put("pending", logins.pending());
            s.put("logins_per_s", (logins.ok() - lastOk[0]) / ((now.nanoTime() - last[0].nanoTime()) / 1e9));
            s.putAll(Meter.cpu(last[0], now));
            out.sample(s);
            last[0] = now;
            lastOk[0] = logins.ok();
        });
        Meter.Reading rampEnd = ctx.meter().read();
        double rampSeconds = Math.max(1e-9, (logins.lastReadyNanos() - logins.firstStartNanos()) / 1e9);
        out.progress("connections: " + logins.ok() + " logged in, " + logins.failed() + " failed"
                + (finished ? "" : " (ramp timed out)") + "; holding " + hold.toSeconds() + " s");

        long holdEnd = System.nanoTime() + hold.toNanos();
        while (System.nanoTime() < holdEnd && System.nanoTime() < ctx.deadlineNanos()) {
            LockSupport.parkNanos(Math.min(TimeUnit.SECONDS.toNanos(1), holdEnd - System.nanoTime()));
            Meter.Reading now = ctx.meter().read();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("scenario", name());
            s.put("server", t.label());
            s.put("phase", "hold");
            s.put("established", logins.ok() - logins.dropped());
            s.put("dropped", logins.dropped());
            s.putAll(Meter.cpu(last[0], now));
            out.sample(s);
            last[0] = now;
        }
        long heapHeld = heap(t);
        ProcStats.Sample held = ProcStats.read(t.serverPids());

        Histogram lt = logins.loginTimes();
        r.put("logins_ok", logins.ok());
        r.put("login_failures", logins.failed());
        r.put("dropped_during_hold", logins.dropped());
        r.put("mechanism", logins.mechanism());
        r.put("login_rate", logins.ok() / rampSeconds);
        r.put("ramp_s", rampSeconds);
        r.put("login_ms_p50", lt.percentile(50) / 1000.0);
        r.put("login_ms_p99", lt.percentile(99) / 1000.0);
        r.put("login_ms_max", lt.max() / 1000.0);
        r.put("client_key_derivations", logins.derivedKeys());
        double cpu = Meter.serverCpuSeconds(start, rampEnd);
        if (!Double.isNaN(cpu)) {
            r.put("server_cpu_s", cpu);
            r.put("server_cpu_ms_per_login", logins.ok() == 0 ? null : cpu * 1000 / logins.ok());
            r.put("logins_per_server_cpu_s", cpu <= 0 ? null : logins.ok() / cpu);
        }
        Map<String, Object> clientCpu = Meter.cpu(start, rampEnd);
        r.put("client_cpu_s", clientCpu.get("client_cpu_s"));
        r.put("client_cpu_util", clientCpu.get("client_cpu_util"));
        r.put("client_loop_util_max", clientCpu.get("client_loop_util_max"));
        r.put("client_gc_ms", clientCpu.get("client_gc_ms"));
        r.put("machine_other_cpu_util", clientCpu.get("machine_other_cpu_util"));
        int live = logins.ok() - logins.dropped();
        if (before != null && held != null) {
            r.put("server_rss_before_mib", before.rssBytes() / 1048576.0);
            r.put("server_rss_held_mib", held.rssBytes() / 1048576.0);
            r.put("server_rss_peak_mib", held.peakRssBytes() / 1048576.0);
            r.put("server_threads", held.threads());
            r.put("rss_per_session_kib", live <= 0 ? null : (held.rssBytes() - before.rssBytes()) / 1024.0 / live);
        }
        if (heapBefore >= 0 && heapHeld >= 0) {
            r.put("server_heap_before_mib", heapBefore / 1048576.0);
            r.put("server_heap_held_mib", heapHeld / 1048576.0);
            r.put("heap_per_session_kib", live <= 0 ? null : (heapHeld - heapBefore) / 1024.0 / live);
        }
        if (!logins.failures().isEmpty()) {
            r.put("failures", logins.failures());
        }
        r.put("ok", finished && logins.failed() == 0 && logins.dropped() == 0 && logins.ok() == sessions);

        out.progress("connections: logging out");
        boolean closed = logins.closeAll(TimeUnit.SECONDS.toNanos(30));
        if (!closed) {
            out.progress("connections: some sessions did not close within 30 s");
        }
        return r;
    }

    private static long heap(Target t) {
        if (!t.serverJvm() || t.serverPids().isEmpty()) {
            return -1;
        }
        return ProcStats.jvmHeapUsedAfterGc(t.serverPids().get(0));
    }
}
