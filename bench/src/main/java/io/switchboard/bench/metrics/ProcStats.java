package io.switchboard.bench.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time and memory of processes, from {@code /proc} (Linux): the server's, given its process
 * ids, and the client's own. CPU time counts every thread of the process (user + system).
 */
public final class ProcStats {

    /** One reading. {@code cpuNanos} has the kernel's clock-tick resolution (usually 10 ms). */
    public record Sample(long nanoTime, long cpuNanos, long rssBytes, long peakRssBytes, int threads) {
    }

    private static final long TICKS_PER_SECOND = clockTicks();
    /** "total NK, used NK" per generation (Serial, Parallel) or for the whole heap (G1): summed. */
    private static final Pattern HEAP = Pattern.compile("\\btotal\\s+(\\d+)K,\\s+used\\s+(\\d+)K");

    private ProcStats() {
    }

    /** Sum over the processes, or null when none is given; throws when one has gone. */
    public static Sample read(List<Long> pids) {
        if (pids.isEmpty()) {
            return null;
        }
        long now = System.nanoTime();
        long cpu = 0;
        long rss = 0;
        long hwm = 0;
        int threads = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // Fields after the command name start at field 3 (state): utime is field 14, stime 15.
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                cpu += ticks * 1_000_000_000L / TICKS_PER_SECOND;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                    if (line.startsWith("VmRSS:")) {
                        rss += kib(line) * 1024;
                    } else if (line.startsWith("VmHWM:")) {
                        hwm += kib(line) * 1024;
                    } else if (line.startsWith("Threads:")) {
                        threads += Integer.parseInt(line.substring(8).trim());
                    }
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read /proc/" + pid + " (has the server stopped?): " + e.getMessage(), e);
            }
        }
        return new Sample(now, cpu, rss, hwm, threads);
    }

    /**
     * CPU time the whole machine has spent busy (every core: user, system, interrupts, steal),
     * nanoseconds, from {@code /proc/stat}; -1 when unreadable. Minus the server's and the
     * client's own time, it tells whether something else competed for the cores during a run.
     */
    public static long machineBusyNanos() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
            String[] f = first.trim().split("\\s+");
            long busy = 0;
            // cpu user nice system idle iowait irq softirq steal ...
            for (int i : new int[]{1, 2, 3, 6, 7, 8}) {
                if (i < f.length) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * 1_000_000_000L / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU time of this JVM (every thread: loops, GC, JIT), nanoseconds. */
    public static long selfCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** This JVM's garbage collection time so far, milliseconds. */
    public static long selfGcMillis() {
        long t = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            t += Math.max(0, gc.getCollectionTime());
        }
        return t;
    }

    /**
     * Heap in use in a JVM after a full collection: {@code jcmd PID GC.run}, then
     * {@code jcmd PID GC.heap_info}. Returns bytes, or -1 when jcmd is missing or says no.
     */
    public static long jvmHeapUsedAfterGc(long pid) {
        String out = jcmd(pid, "GC.run");
        if (out == null) {
            return -1;
        }
        out = jcmd(pid, "GC.heap_info");
        if (out == null) {
            return -1;
        }
        Matcher m = HEAP.matcher(out);
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(2)) * 1024;
            found = true;
        }
        return found ? used : -1;
    }

    private static String jcmd(long pid, String command) {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long kib(String statusLine) {
        String[] f = statusLine.trim().split("\\s+");
        return Long.parseLong(f[1]);
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            long t = Long.parseLong(s);
            return t > 0 ? t : 100;
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
