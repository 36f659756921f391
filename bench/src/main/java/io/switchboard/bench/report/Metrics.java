package io.switchboard.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of each scenario that go into Markdown tables, in order, with their labels: the
 * single-run table and the side-by-side table are both made from these.
 */
public final class Metrics {

    /** One row: result key, label, decimals. */
    public record Metric(String key, String label, int decimals) {
    }

    public static final List<Metric> CONNECTIONS = List.of(
            new Metric("sessions", "sessions (target)", 0),
            new Metric("logins_ok", "logins succeeded", 0),
            new Metric("login_failures", "login failures", 0),
            new Metric("dropped_during_hold", "sessions dropped while held", 0),
            new Metric("mechanism", "SASL mechanism", 0),
            new Metric("login_rate_target", "login rate asked (/s)", 0),
            new Metric("login_rate", "login rate achieved (/s)", 1),
            new Metric("login_ms_p50", "login time p50 (ms)", 1),
            new Metric("login_ms_p99", "login time p99 (ms)", 1),
            new Metric("server_cpu_ms_per_login", "server CPU per login (ms)", 3),
            new Metric("logins_per_server_cpu_s", "logins per server CPU-second", 0),
            new Metric("server_rss_before_mib", "server RSS before (MiB)", 1),
            new Metric("server_rss_held_mib", "server RSS holding all sessions (MiB)", 1),
            new Metric("rss_per_session_kib", "server RSS per session (KiB)", 1),
            new Metric("heap_per_session_kib", "server heap per session after GC (KiB)", 1),
            new Metric("client_cpu_util", "client CPU during ramp (cores)", 2),
            new Metric("client_loop_util_max", "busiest client loop thread (share of a core)", 2),
            new Metric("machine_other_cpu_util", "other processes' CPU meanwhile (cores)", 2));

    public static final List<Metric> THROUGHPUT = List.of(
            new Metric("pairs", "pairs", 0),
            new Metric("window", "window (unacked messages per sender)", 0),
            new Metric("delivered_per_s", "delivered messages per second", 0),
            new Metric("server_cpu_util", "server CPU (cores)", 2),
            new Metric("server_cpu_us_per_msg", "server CPU per delivery (us)", 1),
            new Metric("latency_ms_p50", "latency under full load p50 (ms)", 2),
            new Metric("latency_ms_p99", "latency under full load p99 (ms)", 2),
            new Metric("sent", "messages sent", 0),
            new Metric("delivered", "messages delivered", 0),
            new Metric("lost", "lost", 0),
            new Metric("duplicates", "duplicates", 0),
            new Metric("session_errors", "session errors", 0),
            new Metric("client_cpu_util", "client CPU (cores)", 2),
            new Metric("client_loop_util_max", "busiest client loop thread (share of a core)", 2),
            new Metric("machine_other_cpu_util", "other processes' CPU meanwhile (cores)", 2));

    public static final List<Metric> LATENCY = List.of(
            new Metric("pairs", "pairs", 0),
            new Metric("rate_target", "rate asked (msg/s)", 0),
            new Metric("rate", "rate achieved (msg/s)", 0),
            new Metric("latency_ms_p50", "p50 (ms)", 2),
            new Metric("latency_ms_p90", "p90 (ms)", 2),
            new Metric("latency_ms_p99", "p99 (ms)", 2),
            new Metric("latency_ms_p999", "p99.9 (ms)", 2),
            new Metric("latency_ms_max", "max (ms)", 2),
            new Metric("send_lag_ms_p99", "client send lag p99 (ms)", 2),
            new Metric("server_cpu_util", "server CPU (cores)", 2),
            new Metric("server_cpu_us_per_msg", "server CPU per delivery (us)", 1),
            new Metric("lost", "lost", 0),
            new Metric("duplicates", "duplicates", 0),
            new Metric("client_loop_util_max", "busiest client loop thread (share of a core)", 2),
            new Metric("machine_other_cpu_util", "other processes' CPU meanwhile (cores)", 2));

    static final List<Metric> OFFLINE = List.of(
            new Metric("pairs", "senders (and offline recipients)", 0),
            new Metric("messages_per_pair", "messages per sender", 0),
            new Metric("store_per_s", "offline messages stored per second", 0),
            new Metric("store_server_cpu_us_per_msg", "server CPU per stored message (us)", 1),
            new Metric("drain_per_s", "offline messages delivered per second at login", 0),
            new Metric("drain_server_cpu_us_per_msg", "server CPU per drained message (us)", 1),
            new Metric("sent", "messages sent", 0),
            new Metric("bounced", "bounced", 0),
            new Metric("delivered", "messages delivered", 0),
            new Metric("lost", "lost", 0),
            new Metric("duplicates", "duplicates", 0),
            new Metric("client_cpu_util", "client CPU (cores)", 2),
            new Metric("machine_other_cpu_util", "other processes' CPU meanwhile (cores)", 2));

    static final List<Metric> FANOUT = List.of(
            new Metric("occupants", "occupants", 0),
            new Metric("senders", "senders", 0),
            new Metric("messages", "messages sent to the room", 0),
            new Metric("rate_target", "message rate asked (msg/s)", 1),
            new Metric("join_s", "time for all to join (s)", 2),
            new Metric("deliveries_per_s", "deliveries per second", 0),
            new Metric("last_occupant_ms_p50", "time until the last occupant has it p50 (ms)", 2),
            new Metric("last_occupant_ms_p99", "time until the last occupant has it p99 (ms)", 2),
            new Metric("last_occupant_ms_max", "time until the last occupant has it max (ms)", 2),
            new Metric("server_cpu_util", "server CPU (cores)", 2),
            new Metric("server_cpu_us_per_delivery", "server CPU per delivery (us)", 2),
            new Metric("expected_deliveries", "deliveries expected", 0),
            new Metric("delivered", "deliveries", 0),
            new Metric("lost", "lost", 0),
            new Metric("duplicates", "duplicates", 0),
            new Metric("client_cpu_util", "client CPU (cores)", 2),
            new Metric("client_loop_util_max", "busiest client loop thread (share of a core)", 2),
            new Metric("machine_other_cpu_util", "other processes' CPU meanwhile (cores)", 2));

    static final List<Metric> ARCHIVE = List.of(
            new Metric("archive_messages", "messages in the archive", 0),
            new Metric("contacts", "conversations", 0),
            new Metric("page", "results per page", 0),
            new Metric("queries_per_kind", "measured queries of each kind", 0),
            new Metric("latest_ms_p50", "last page of the archive p50 (ms)", 2),
            new Metric("latest_ms_p99", "last page of the archive p99 (ms)", 2),
            new Metric("conversation_ms_p50", "last page of a conversation p50 (ms)", 2),
            new Metric("conversation_ms_p99", "last page of a conversation p99 (ms)", 2),
            new Metric("scroll_ms_p50", "scrolling back through a conversation p50 (ms)", 2),
            new Metric("scroll_ms_p99", "scrolling back through a conversation p99 (ms)", 2),
            new Metric("catchup_ms_p50", "catching up after an id p50 (ms)", 2),
            new Metric("catchup_ms_p99", "catching up after an id p99 (ms)", 2),
            new Metric("time_ms_p50", "a page from a point in time p50 (ms)", 2),
            new Metric("time_ms_p99", "a page from a point in time p99 (ms)", 2),
            new Metric("queries_per_s", "queries per second (one at a time)", 0),
            new Metric("server_cpu_us_per_query", "server process CPU per query (us)", 0),
            new Metric("results_checked", "results checked", 0),
            new Metric("client_cpu_util", "client CPU (cores)", 2),
            new Metric("machine_other_cpu_util", "other processes' CPU meanwhile (cores)", 2));

    private Metrics() {
    }

    public static List<Metric> of(String scenario) {
        return switch (scenario) {
            case "connections" -> CONNECTIONS;
            case "throughput" -> THROUGHPUT;
            case "latency" -> LATENCY;
            case "offline" -> OFFLINE;
            case "fanout" -> FANOUT;
            case "archive" -> ARCHIVE;
            default -> List.of();
        };
    }

    public static String format(Object v, int decimals) {
        if (v == null) {
            return "n/a";
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (decimals == 0) {
                return String.format(Locale.ROOT, "%,d", Math.round(d));
            }
            return String.format(Locale.ROOT, "%,." + decimals + "f", d);
        }
        return v.toString();
    }

    /** A table of one or more results of the same scenario: one column per result. */
    public static String table(String scenario, List<Map<String, Object>> results) {
        StringBuilder b = new StringBuilder();
        b.append("| ").append(scenario).append(" |");
        for (Map<String, Object> r : results) {
            b.append(' ').append(r.getOrDefault("server", "?")).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(results.size()));
        b.append('\n');
        for (Metric m : of(scenario)) {
            b.append("| ").append(m.label()).append(" |");
            for (Map<String, Object> r : results) {
                b.append(' ').append(format(r.get(m.key()), m.decimals())).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
