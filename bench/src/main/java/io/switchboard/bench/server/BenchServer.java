package io.switchboard.bench.server;

import io.switchboard.bench.Args;
import io.switchboard.bench.Target;
import io.switchboard.config.Config;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.Setting;
import io.switchboard.server.XmppServer;
import io.switchboard.store.Storage;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.storage.PostgresSettings;
import io.switchboard.storage.PostgresStorage;
import io.switchboard.auth.Passwords;
import io.switchboard.jid.Jid;
import io.switchboard.muc.MucModule;
import io.switchboard.store.Account;
import java.time.Instant;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Switchboard for a benchmark run: the server in this JVM with in-memory storage, listening on
 * loopback only, with the accounts {@code prefix1..prefixN} created before it reports ready, and
 * the group chat service (rooms in memory) at {@code conference.<domain>}.
 * Every configuration key can still be overridden with {@code SWITCHBOARD_*} variables, as with
 * the launcher: {@code SWITCHBOARD_STORAGE_MODE=postgres} with {@code SWITCHBOARD_DATABASE_URL}
 * runs it on that PostgreSQL database instead (scenario 5's archive), where accounts that already
 * exist are kept.
 */
public final class BenchServer implements AutoCloseable {

    public static final String USAGE = """
            server: run Switchboard in this JVM (in-memory storage, loopback only) with accounts created and group chat
            at conference.<domain> (muc.max-occupants 100000). SWITCHBOARD_STORAGE_MODE=postgres and
            SWITCHBOARD_DATABASE_URL (with _USER, _PASSWORD) put it on a PostgreSQL database instead.
              --domain D             (default bench.test)
              --port P               STARTTLS c2s port (default 35222; 0 = any free port)
              --tls-port P           direct TLS c2s port (default 35223; 0 = any free port)
              --users N              accounts prefix1..prefixN (default 1000)
              --user-prefix S        (default user)
              --password S           (default benchpass)
              --cert FILE --key FILE PEM certificate chain and PKCS#8 key (default: generated under the data dir)
              --data-dir DIR         (default: a new temporary directory)
              --import-threads N     threads deriving the account keys (default 2)
              --pid-file FILE        written once the server is ready
              --archive-keep N       in-memory storage: newest messages each account's archive keeps (default 1000,
                                     as storage.mode=memory; the side-by-side runs use 10, see docs/benchmarks.md)
            Environment SWITCHBOARD_<KEY> overrides any configuration key (e.g. SWITCHBOARD_AUTH_SCRAM_ITERATIONS).""";

    private final XmppServer server;
    private final Storage storage;
    private final int iterations;

    private BenchServer(XmppServer server, Storage storage, int iterations) {
        this.server = server;
        this.storage = storage;
        this.iterations = iterations;
    }

    public XmppServer server() {
        return server;
    }

    public int c2sPort() {
        return server.c2sPort();
    }

    public int c2sTlsPort() {
        return server.c2sTlsPort();
    }

    /**
     * Starts a server.
     *
     * @param settings configuration keys (domain, ports, data-dir, ...) on top of the defaults and
     *                 under the environment's {@code SWITCHBOARD_*} overrides
     */
    public static BenchServer start(Map<String, String> settings, Map<String, String> env) throws IOException {
        return start(settings, env, InMemoryStorage.MEMORY_MODE_ARCHIVE_MAX);
    }

    /**
     * Starts a server.
     *
     * @param archiveKeep with in-memory storage, the newest messages each archive keeps: a server whose
     *                    archives live in PostgreSQL holds none of them in its heap, while thousands per
     *                    account in the heap make the young collections copy them again and again
     */
    public static BenchServer start(Map<String, String> settings, Map<String, String> env, int archiveKeep)
            throws IOException {
        MucModule muc = new MucModule();
        List<Setting<?>> known = new ArrayList<>(CoreSettings.all());
        known.addAll(muc.settings());
        ConfigLoader loader = new ConfigLoader(known);
        Map<String, String> values = new HashMap<>();
        values.put("bind-address", "127.0.0.1");
        values.put("storage.mode", "memory");
        // Group fan-out (scenario 4) measures rooms of more than the default 1,000 occupants too.
        values.put(MucModule.MAX_OCCUPANTS.key(), "100000");
        values.putAll(settings);
        for (Setting<?> s : loader.settings()) {
            String v = env.get(s.envName());
            if (v != null) {
                values.put(s.key(), v);
            }
        }
        if (!values.containsKey("data-dir")) {
            values.put("data-dir", Files.createTempDirectory("switchboard-bench").toString());
        }
        String bind = values.get("bind-address");
        Target.loopback(bind, "bind-address");
        Config config = loader.load(values);
        Storage storage;
        if (config.get(CoreSettings.STORAGE_MODE) == CoreSettings.StorageMode.MEMORY) {
            storage = new InMemoryStorage(archiveKeep);
        } else {
            String url = config.get(CoreSettings.DATABASE_URL);
            if (url.isEmpty()) {
                throw new IllegalArgumentException("storage.mode postgres needs database.url (SWITCHBOARD_DATABASE_URL)"
                        + " for a benchmark: the server to measure should not start its own embedded database");
            }
            storage = PostgresStorage.open(new PostgresSettings(url, config.get(CoreSettings.DATABASE_USER),
                    config.get(CoreSettings.DATABASE_PASSWORD), config.get(CoreSettings.DATABASE_POOL_SIZE),
                    Path.of(config.get(CoreSettings.DATA_DIR)), PostgresSettings.DEFAULT_STATEMENT_TIMEOUT));
        }
        return new BenchServer(XmppServer.start(config, c -> storage, List.of(muc)), storage, config.get(CoreSettings.AUTH_SCRAM_ITERATIONS));
    }

    /**
     * Creates {@code prefix1..prefixN}. The accounts share one password, so the SCRAM keys are
     * derived once (one salt) and stored for every account: deriving them per account took over
     * eight minutes for 19,000 accounts on a busy two-core machine. Logins are unaffected (the
     * server's side of SCRAM does no key derivation). Accounts that exist already (a database
     * kept between runs) are left as they are.
     *
     * @param threads kept for the command line; unused since the keys are derived once
     */
    public void createUsers(String prefix, int first, int count, String password, int threads) {
        var credentials = Passwords.credentials(password, iterations);
        Instant now = Instant.now();
        List<Account> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Jid jid = server.accounts().userJid(prefix + (first + i));
            batch.add(new Account(jid, false, now, credentials));
            if (batch.size() == 1000 || i == count - 1) {
                storage.users().createAll(batch);
                batch.clear();
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }

    /** The {@code server} command: runs until SIGTERM or Ctrl-C. */
    public static int main(Args a, PrintStream out) throws IOException, InterruptedException {
        Map<String, String> s = new HashMap<>();
        s.put("domain", a.string("domain", "bench.test"));
        s.put("c2s.port", Integer.toString(a.integer("port", 35222, 0, 65535)));
        s.put("c2s.tls-port", Integer.toString(a.integer("tls-port", 35223, 0, 65535)));
        String cert = a.string("cert", null);
        String key = a.string("key", null);
        if ((cert == null) != (key == null)) {
            throw new Args.UsageException("--cert and --key go together");
        }
        if (cert != null) {
            s.put("tls.certificate", Path.of(cert).toAbsolutePath().toString());
            s.put("tls.private-key", Path.of(key).toAbsolutePath().toString());
        }
        String dataDir = a.string("data-dir", null);
        if (dataDir != null) {
            s.put("data-dir", dataDir);
        }
        int users = a.integer("users", 1000, 0, 1_000_000);
        String prefix = a.string("user-prefix", "user");
        String password = a.string("password", "benchpass");
        int threads = a.integer("import-threads", 2, 1, 64);
        String pidFile = a.string("pid-file", null);
        int archiveKeep = a.integer("archive-keep", InMemoryStorage.MEMORY_MODE_ARCHIVE_MAX, 1, 1_000_000);
        a.checkAllUsed();

        long t0 = System.nanoTime();
        BenchServer server = start(s, System.getenv(), archiveKeep);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "bench-server-shutdown"));
        server.createUsers(prefix, 1, users, password, threads);
        long pid = ProcessHandle.current().pid();
        if (pidFile != null) {
            Files.writeString(Path.of(pidFile), pid + "\n", StandardCharsets.US_ASCII);
        }
        out.printf("switchboard ready: pid %d, domain %s, c2s %d, direct TLS %d, %d accounts (%.1f s)%n", pid,
                server.server().domain(), server.c2sPort(), server.c2sTlsPort(), users, (System.nanoTime() - t0) / 1e9);
        out.flush();
        stopped.await();
        return 0;
    }
}
