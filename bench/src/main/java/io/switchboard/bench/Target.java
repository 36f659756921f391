package io.switchboard.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The server under test and how to log in to it. Only loopback addresses are accepted, for the
 * server and for the client's source addresses: the harness generates load, and load must never
 * leave the machine.
 *
 * @param label           name of the server in reports ("switchboard", "prosody", ...)
 * @param address         the server's c2s address (loopback)
 * @param domain          the XMPP domain the users live in
 * @param directTls       true: TLS from the first byte (XEP-0368); false: STARTTLS
 * @param userPrefix      accounts are {@code prefix + N}
 * @param firstUser       the lowest N
 * @param password        the one password of every account
 * @param sasl            "auto" (SCRAM-SHA-256 when offered, else SCRAM-SHA-1) or a mechanism name
 * @param resource        resource requested at bind
 * @param sourceAddresses loopback addresses the client binds its sockets to, round robin; empty: the kernel picks
 * @param serverPids      processes whose CPU and memory are the server's; empty: not measured
 * @param serverJvm       the server is a JVM: also report its heap after a full GC (jcmd)
 * @param scramCache      file that keeps salted passwords between runs, or null
 * @param loginTimeout    time a session has to connect, authenticate and bind
 */
public record Target(String label, InetSocketAddress address, String domain, boolean directTls, String userPrefix,
                     int firstUser, String password, String sasl, String resource, List<InetAddress> sourceAddresses,
                     List<Long> serverPids, boolean serverJvm, Path scramCache, Duration loginTimeout) {

    public static final String USAGE = """
            target options (every scenario):
              --host H               server address, loopback only (default 127.0.0.1)
              --port P               c2s port (default 5222)
              --tls starttls|direct  how TLS starts (default starttls)
              --domain D             XMPP domain of the users (default localhost)
              --user-prefix S        accounts are S1, S2, ... (default user)
              --first-user N         lowest account number (default 1)
              --password S           the password of every account (default benchpass)
              --sasl M               auto | SCRAM-SHA-1 | SCRAM-SHA-256 (default auto: SHA-256 when offered)
              --resource R           resource to bind (default bench)
              --source-addresses L   comma list of loopback addresses, or a count N for 127.0.0.1..127.0.0.N
              --server-pid P[,P]     server process(es): CPU time, RSS (from /proc) are reported
              --server-jvm           the server is a JVM: also heap after GC (jcmd GC.run + GC.heap_info)
              --label NAME           server name in the reports (default: host:port)
              --scram-cache FILE     keep salted passwords between runs (the client's PBKDF2 cost)
              --login-timeout D      per session (default 60s)""";

    public static Target from(Args a) {
        String host = a.string("host", "127.0.0.1");
        int port = a.integer("port", 5222, 1, 65535);
        InetAddress addr = loopback(host, "--host");
        String tls = a.string("tls", "starttls");
        if (!tls.equals("starttls") && !tls.equals("direct")) {
            throw new Args.UsageException("--tls is starttls or direct, not '" + tls + "'");
        }
        String sasl = a.string("sasl", "auto");
        if (!List.of("auto", "SCRAM-SHA-1", "SCRAM-SHA-256").contains(sasl)) {
            throw new Args.UsageException("--sasl is auto, SCRAM-SHA-1 or SCRAM-SHA-256, not '" + sasl + "'");
        }
        List<InetAddress> sources = new ArrayList<>();
        String src = a.string("source-addresses", "");
        if (!src.isBlank()) {
            if (src.matches("\\d+")) {
                int n = Integer.parseInt(src);
                if (n < 1 || n > 250) {
                    throw new Args.UsageException("--source-addresses N must lie between 1 and 250");
                }
                for (int i = 1; i <= n; i++) {
                    sources.add(loopback("127.0.0." + i, "--source-addresses"));
                }
            } else {
                for (String s : src.split(",")) {
                    sources.add(loopback(s.trim(), "--source-addresses"));
                }
            }
        }
        List<Long> pids = new ArrayList<>();
        for (String p : a.string("server-pid", "").split(",")) {
            if (!p.isBlank()) {
                try {
                    pids.add(Long.parseLong(p.trim()));
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--server-pid expects process ids, not '" + p + "'");
                }
            }
        }
        String cache = a.string("scram-cache", null);
        return new Target(a.string("label", host + ":" + port), new InetSocketAddress(addr, port),
                a.string("domain", "localhost"), tls.equals("direct"), a.string("user-prefix", "user"),
                a.integer("first-user", 1, 0, Integer.MAX_VALUE / 2), a.string("password", "benchpass"), sasl,
                a.string("resource", "bench"), List.copyOf(sources), List.copyOf(pids), a.flag("server-jvm", false),
                cache == null ? null : Path.of(cache),
                a.duration("login-timeout", Duration.ofSeconds(60), Duration.ofMinutes(10)));
    }

    /** Resolves a name and refuses anything that is not loopback (127.0.0.0/8, ::1). */
    public static InetAddress loopback(String host, String what) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Args.UsageException(what + ": cannot resolve '" + host + "'");
        }
        for (InetAddress a : all) {
            if (!a.isLoopbackAddress()) {
                throw new Args.UsageException(what + ": " + host + " resolves to " + a.getHostAddress()
                        + ", which is not a loopback address; the harness only targets 127.0.0.0/8 and ::1");
            }
        }
        return all[0];
    }

    /** The account name of user number {@code n} counted from {@link #firstUser()}. */
    public String user(int n) {
        return userPrefix + (firstUser + n);
    }
}
