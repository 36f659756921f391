package io.switchboard.bench.scenario;

import io.switchboard.bench.Target;
import io.switchboard.bench.client.ClientPool;
import io.switchboard.bench.metrics.ProcStats;
import java.util.LinkedHashMap;
import java.util.Map;

/** Readings of server and client CPU (and server memory) at a moment, and what changed between two. */
public final class Meter {

    /** One reading. {@code server} is null when no server process was given. */
    public record Reading(long nanoTime, ProcStats.Sample server, long clientCpuNanos, long loopCpuNanos, long[] perLoop,
                          long gcMillis, long machineBusyNanos) {
    }

    private final Target target;
    private final ClientPool pool;

    public Meter(Target target, ClientPool pool) {
        this.target = target;
        this.pool = pool;
    }

    public Reading read() {
        long[] per = new long[pool.loopCount()];
        long sum = 0;
        for (int i = 0; i < per.length; i++) {
            per[i] = pool.loop(i).cpuNanos();
            sum += per[i];
        }
        return new Reading(System.nanoTime(), ProcStats.read(target.serverPids()), ProcStats.selfCpuNanos(), sum, per,
                ProcStats.selfGcMillis(), ProcStats.machineBusyNanos());
    }

    /** Server and client CPU between two readings: seconds used and cores kept busy. */
    public static Map<String, Object> cpu(Reading a, Reading b) {
        Map<String, Object> m = new LinkedHashMap<>();
        double wall = (b.nanoTime() - a.nanoTime()) / 1e9;
        if (a.server() != null && b.server() != null) {
            double s = (b.server().cpuNanos() - a.server().cpuNanos()) / 1e9;
            m.put("server_cpu_s", s);
            m.put("server_cpu_util", wall > 0 ? s / wall : null);
            m.put("server_rss_mib", b.server().rssBytes() / 1048576.0);
        }
        double c = (b.clientCpuNanos() - a.clientCpuNanos()) / 1e9;
        m.put("client_cpu_s", c);
        m.put("client_cpu_util", wall > 0 ? c / wall : null);
        double busiest = 0;
        for (int i = 0; i < a.perLoop().length; i++) {
            busiest = Math.max(busiest, (b.perLoop()[i] - a.perLoop()[i]) / 1e9);
        }
        m.put("client_loop_util_max", wall > 0 ? busiest / wall : null);
        m.put("client_gc_ms", b.gcMillis() - a.gcMillis());
        if (a.server() != null && b.server() != null && a.machineBusyNanos() >= 0 && b.machineBusyNanos() >= 0 && wall > 0) {
            double busy = (b.machineBusyNanos() - a.machineBusyNanos()) / 1e9;
            double server = (b.server().cpuNanos() - a.server().cpuNanos()) / 1e9;
            // Everything else that ran on the machine meanwhile (other processes, the kernel's own work).
            m.put("machine_other_cpu_util", Math.max(0, busy - server - c) / wall);
        }
        return m;
    }

    /** Server CPU seconds between two readings, or NaN when the server is not measured. */
    public static double serverCpuSeconds(Reading a, Reading b) {
        if (a.server() == null || b.server() == null) {
            return Double.NaN;
        }
        return (b.server().cpuNanos() - a.server().cpuNanos()) / 1e9;
    }
}
