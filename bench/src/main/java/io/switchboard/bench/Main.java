package io.switchboard.bench;

import io.switchboard.bench.client.ClientPool;
import io.switchboard.bench.client.ScramCache;
import io.switchboard.bench.report.Json;
import io.switchboard.bench.report.Metrics;
import io.switchboard.bench.report.Output;
import io.switchboard.bench.report.Plot;
import io.switchboard.bench.scenario.ConnectionsScenario;
import io.switchboard.bench.scenario.Context;
import io.switchboard.bench.scenario.FanoutScenario;
import io.switchboard.bench.scenario.LatencyScenario;
import io.switchboard.bench.scenario.Logins;
import io.switchboard.bench.scenario.Meter;
import io.switchboard.bench.scenario.ArchiveScenario;
import io.switchboard.bench.scenario.OfflineScenario;
import io.switchboard.bench.scenario.Scenario;
import io.switchboard.bench.scenario.ThroughputScenario;
import io.switchboard.bench.server.BenchServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The harness's command line: {@code bench/run COMMAND [options]}. See {@link #USAGE}.
 *
 * <p>Exit codes: 0 the run was correct (every login succeeded, every message arrived exactly
 * once), 1 it was not, 2 a usage error, 3 the hard deadline stopped the run.
 */
public final class Main {

    static final String USAGE = """
            usage: bench/run COMMAND [options]

            commands:
              connections   scenario 1: ramp to N authenticated TLS sessions at a fixed login rate, hold, log out
              throughput    scenario 2: 1:1 messages, P pairs, window of W unacknowledged messages per sender
              latency       scenario 3: 1:1 messages at a fixed rate; delivery latency percentiles
              fanout        scenario 4: N occupants in one room, groupchat messages; time until the last occupant has each
              offline       scenario 5 (offline part): store and drain rate of offline messages
              archive       scenario 5 (archive part): message archive query latency on a large archive (XEP-0313)
              register      create accounts prefix1..prefixN on the target by in-band registration (XEP-0077)
              server        run Switchboard in this JVM (in-memory storage) with accounts, for benchmarks
              report        side-by-side Markdown tables and the PNG plot from result files
              help          this text

            common options (connections, throughput, latency, fanout, offline, archive, register):
              --threads N            client event-loop threads (default 1)
              --deadline D           hard limit for the whole run; the harness stops itself (default 15m, at most 2h)
              --out FILE             also append the JSON lines to FILE
              --samples true|false   per-second sample lines on standard output too (default true)
            """ + Target.USAGE + "\n\n" + ConnectionsScenario.USAGE + "\n\n" + ThroughputScenario.USAGE + "\n\n"
            + LatencyScenario.USAGE + "\n\n" + FanoutScenario.USAGE + "\n\n" + OfflineScenario.USAGE + "\n\n"
            + ArchiveScenario.USAGE + """


            register: --users N (default 1000) --max-pending N (default 32)

            """ + BenchServer.USAGE + """


            report: bench/run report [--md FILE] [--png FILE] [--title TEXT] RESULTS.jsonl...
            """;

    private Main() {
    }

    public static void main(String[] argv) {
        // The client offers one TLS key group, X25519 (the JDK otherwise computes two key shares,
        // X25519 and P-256, per handshake): less client work per login, the same offer to every server.
        if (System.getProperty("jdk.tls.namedGroups") == null) {
            System.setProperty("jdk.tls.namedGroups", "x25519");
        }
        int code;
        try {
            code = run(List.of(argv), System.out, System.err);
        } catch (Args.UsageException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println("(bench/run help lists the commands and options)");
            code = 2;
        }
        System.exit(code);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || List.of("help", "--help", "-h").contains(argv.get(0))) {
            out.println(USAGE);
            return argv.isEmpty() ? 2 : 0;
        }
        String command = argv.get(0);
        Args a = new Args(argv.subList(1, argv.size()));
        try {
            return switch (command) {
                case "connections" -> scenario(new ConnectionsScenario(a), a, out, err);
                case "throughput" -> scenario(new ThroughputScenario(a), a, out, err);
                case "latency" -> scenario(new LatencyScenario(a), a, out, err);
                case "offline" -> scenario(new OfflineScenario(a), a, out, err);
                case "archive" -> scenario(new ArchiveScenario(a), a, out, err);
                case "fanout" -> scenario(new FanoutScenario(a), a, out, err);
                case "register" -> register(a, out, err);
                case "server" -> BenchServer.main(a, out);
                case "report" -> report(a, out);
                default -> throw new Args.UsageException("unknown command '" + command + "'");
            };
        } catch (IOException e) {
            err.println("bench: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            err.println("bench: interrupted: " + e.getMessage());
            return 1;
        }
    }

    /** Common client options. */
    private record Client(Target target, int threads, Duration deadline, Path out, boolean samples) {
        static Client from(Args a) {
            return new Client(Target.from(a), a.integer("threads", 1, 1, 64),
                    a.duration("deadline", Duration.ofMinutes(15), Duration.ofHours(2)),
                    a.has("out") ? Path.of(a.string("out", null)) : null, a.flag("samples", true));
        }
    }

    private static int scenario(Scenario scenario, Args a, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        Client c = Client.from(a);
        a.checkAllUsed();
        Output o = new Output(out, err, c.out(), c.samples());
        long deadline = System.nanoTime() + c.deadline().toNanos();
        watchdog(c.deadline(), err);
        Map<String, Object> result = runScenario(scenario, c.target(), c.threads(), o, deadline);
        o.markdown(Metrics.table(scenario.name(), List.of(result)));
        return Boolean.TRUE.equals(result.get("ok")) ? 0 : 1;
    }

    /**
     * Runs one scenario with a fresh client; records and returns its result. Used by the command
     * line and by the smoke test.
     */
    public static Map<String, Object> runScenario(Scenario scenario, Target target, int threads, Output o, long deadlineNanos)
            throws IOException, InterruptedException {
        ScramCache cache = ScramCache.load(target.scramCache());
        Map<String, Object> result = new LinkedHashMap<>();
        try (ClientPool pool = new ClientPool(target, threads, cache, true)) {
            Context ctx = new Context(target, pool, o, new Meter(target, pool), deadlineNanos);
            Map<String, Object> r = scenario.run(ctx);
            result.put("time", Instant.now().toString());
            result.putAll(r);
            result.put("target", target.address().getAddress().getHostAddress() + ":" + target.address().getPort());
            result.put("tls", target.directTls() ? "direct" : "starttls");
            result.put("client_threads", threads);
            Throwable f = pool.failure();
            if (f != null) {
                result.put("ok", false);
                result.put("client_failure", f.toString());
            }
        }
        cache.save(target.scramCache());
        o.result(result);
        return result;
    }

    private static int register(Args a, PrintStream out, PrintStream err) throws IOException {
        Client c = Client.from(a);
        int users = a.integer("users", 1000, 1, 1_000_000);
        int maxPending = a.integer("max-pending", 32, 1, 10_000);
        a.checkAllUsed();
        watchdog(c.deadline(), err);
        Output o = new Output(out, err, c.out(), c.samples());
        try (ClientPool pool = new ClientPool(c.target(), c.threads(), new ScramCache(), false)) {
            int loops = pool.loopCount();
            Logins reg = new Logins(pool, 0, users, n -> n % loops, 0, maxPending, null, true).closeWhenReady();
            o.progress("registering " + users + " accounts on " + c.target().label());
            long t0 = System.nanoTime();
            boolean done = reg.run(c.deadline().toNanos(), () -> o.progress("registered " + reg.ok() + "/" + users));
            reg.closeAll(TimeUnit.SECONDS.toNanos(10));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("scenario", "register");
            r.put("server", c.target().label());
            r.put("accounts", users);
            r.put("registered_or_existing", reg.ok());
            r.put("failed", reg.failed());
            r.put("seconds", (System.nanoTime() - t0) / 1e9);
            if (!reg.failures().isEmpty()) {
                r.put("failures", reg.failures());
            }
            r.put("ok", done && reg.failed() == 0);
            o.result(r);
            return done && reg.failed() == 0 ? 0 : 1;
        }
    }

    private static int report(Args a, PrintStream out) throws IOException {
        String md = a.string("md", null);
        String png = a.string("png", null);
        String title = a.string("title", "Switchboard vs Prosody vs ejabberd");
        List<String> files = a.positional();
        a.checkAllUsed();
        if (files.isEmpty()) {
            throw new Args.UsageException("report needs result files (JSON lines written with --out)");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (String f : files) {
            for (String line : Files.readAllLines(Path.of(f), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> m = Json.parseObject(line);
                if ("result".equals(m.get("type"))) {
                    results.add(m);
                }
            }
        }
        // The last result per scenario, server and size wins (a re-run replaces an earlier one).
        Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
        for (Map<String, Object> r : results) {
            latest.remove(key(r));
            latest.put(key(r), r);
        }
        StringBuilder b = new StringBuilder();
        for (String scenario : List.of("connections", "throughput", "latency", "fanout", "offline", "archive")) {
            List<Map<String, Object>> rs = new ArrayList<>();
            for (Map<String, Object> r : latest.values()) {
                if (scenario.equals(r.get("scenario"))) {
                    Map<String, Object> copy = new LinkedHashMap<>(r);
                    if (scenario.equals("connections")) {
                        copy.put("server", r.get("server") + " @ " + Metrics.format(r.get("sessions"), 0));
                    } else if (scenario.equals("fanout")) {
                        copy.put("server", r.get("server") + " @ " + Metrics.format(r.get("occupants"), 0) + ", "
                                + Metrics.format(r.get("rate_target"), 0) + " msg/s");
                    }
                    rs.add(copy);
                }
            }
            if (!rs.isEmpty()) {
                if (scenario.equals("connections")) {
                    rs.sort(Comparator.comparingDouble(x -> number(x.get("sessions"))));
                } else if (scenario.equals("fanout")) {
                    rs.sort(Comparator.<Map<String, Object>>comparingDouble(x -> number(x.get("occupants")))
                            .thenComparingDouble(x -> number(x.get("rate_target"))));
                }
                b.append(Metrics.table(scenario, rs)).append('\n');
            }
        }
        out.print(b);
        if (md != null) {
            Files.writeString(Path.of(md), b.toString(), StandardCharsets.UTF_8);
        }
        if (png != null) {
            new Plot(new ArrayList<>(latest.values()), title).write(Path.of(png));
            out.println("plot written to " + png);
        }
        return 0;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private static String key(Map<String, Object> r) {
        String k = r.get("scenario") + "|" + r.get("server") + "|" + r.get("sessions") + "|" + r.get("pairs");
        if ("fanout".equals(r.get("scenario"))) {
            k += "|" + r.get("occupants") + "|" + r.get("rate_target") + "|" + r.get("senders");
        }
        return k;
    }

    /** The hard deadline: past it (plus a minute's grace to report), the process ends itself. */
    private static void watchdog(Duration deadline, PrintStream err) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(deadline.toMillis() + 60_000);
            } catch (InterruptedException e) {
                return;
            }
            err.println("bench: hard deadline of " + deadline.toSeconds() + " s passed; stopping");
            err.flush();
            Runtime.getRuntime().halt(3);
        }, "bench-deadline");
        t.setDaemon(true);
        t.start();
    }
}
