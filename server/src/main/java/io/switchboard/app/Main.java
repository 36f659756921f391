package io.switchboard.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.switchboard.account.AccountService;
import io.switchboard.config.Config;
import io.switchboard.config.ConfigException;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.CoreSettings;
import io.switchboard.jid.Jid;
import io.switchboard.server.XmppServer;
import io.switchboard.store.DuplicateAccountException;
import io.switchboard.store.Storage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ./switchboard} commands: {@code start}, {@code adduser}, {@code deluser},
 * {@code passwd}, {@code import-users}, {@code status}. Account commands work whether or not the
 * server runs: with the embedded database they connect to the running server's database, or start
 * it for the duration of the command.
 */
public final class Main {

    /** Exit codes. */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private final PrintStream out;
    private final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = new Main(System.out, System.err).run(args);
        if (code != Integer.MIN_VALUE) {
            System.exit(code);
        }
    }

    static final String USAGE_TEXT = """
            usage: switchboard [--config FILE] COMMAND [ARGS]

            commands:
              start                            run the server in the foreground (Ctrl-C or SIGTERM stops it)
              adduser JID PASSWORD [--admin]   create an account
              deluser JID                      delete an account and everything it owns
              passwd JID PASSWORD              set an account's password
              import-users FILE                create accounts from a file of "jid password" lines
              status                           is the server running, and what does it serve

            Configuration: conf/switchboard.properties, overridden by SWITCHBOARD_<KEY> environment variables.""";

    /** Runs a command; returns the exit code, or {@code Integer.MIN_VALUE} when the server runs on. */
    int run(String[] argv) {
        List<String> args = new ArrayList<>(List.of(argv));
        Path configFile = null;
        if (args.size() >= 2 && args.get(0).equals("--config")) {
            configFile = Path.of(args.get(1));
            args = args.subList(2, args.size());
            if (!Files.exists(configFile)) {
                err.println("switchboard: configuration file " + configFile + " does not exist");
                return USAGE;
            }
        }
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            out.println(USAGE_TEXT);
            return args.isEmpty() ? USAGE : OK;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        if (configFile == null) {
            configFile = defaultConfigFile();
        }
        Config config;
        try {
            config = new ConfigLoader(Settings.all()).load(configFile, System.getenv());
        } catch (ConfigException e) {
            err.println("switchboard: configuration error: " + e.getMessage());
            return USAGE;
        }
        if (!command.equals("start")) {
            quietLogs();
        }
        try {
            return switch (command) {
                case "start" -> start(config, rest);
                case "adduser" -> adduser(config, rest);
                case "deluser" -> deluser(config, rest);
                case "passwd" -> passwd(config, rest);
                case "import-users" -> importUsers(config, rest);
                case "status" -> status(config, rest);
                default -> {
                    err.println("switchboard: unknown command '" + command + "'\n" + USAGE_TEXT);
                    yield USAGE;
                }
            };
        } catch (ConfigException e) {
            err.println("switchboard: configuration error: " + e.getMessage());
            return USAGE;
        } catch (StorageUnavailableException e) {
            err.println("switchboard: " + e.getMessage());
            return FAILED;
        }
    }

    private static Path defaultConfigFile() {
        String home = System.getProperty("switchboard.home");
        Path p = home == null ? Path.of("conf", "switchboard.properties") : Path.of(home, "conf", "switchboard.properties");
        return Files.exists(p) ? p : null;
    }

    private static void quietLogs() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        }
    }

    // ---------------------------------------------------------------- start

    private int start(Config config, List<String> rest) {
        if (!rest.isEmpty()) {
            err.println("switchboard: start takes no arguments");
            return USAGE;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        Path dataDir = Path.of(config.get(CoreSettings.DATA_DIR));
        RunFile runFile = new RunFile(dataDir);
        RunFile.Info running = runFile.read();
        if (running != null && running.alive()) {
            err.println("switchboard: already running (pid " + running.pid() + ") with data directory " + dataDir);
            return FAILED;
        }
        XmppServer server;
        try {
            server = XmppServer.start(config, c -> StorageFactory.open(c, false), Modules.all());
        } catch (IOException | RuntimeException e) {
            log.error("Cannot start: {}", e.getMessage(), e);
            err.println("switchboard: cannot start: " + e.getMessage());
            return FAILED;
        }
        runFile.write(new RunFile.Info(ProcessHandle.current().pid(), server.domain(), server.c2sPort(), server.c2sTlsPort()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stop requested");
            try {
                server.close();
            } finally {
                runFile.delete();
                stopped.countDown();
                if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
                    ctx.stop();
                }
                // A clean shutdown after SIGTERM or Ctrl-C exits with 0 (the JVM would report 143).
                Runtime.getRuntime().halt(OK);
            }
        }, "shutdown"));
        out.println("Switchboard is serving " + server.domain() + " (client port " + server.c2sPort() + ", direct TLS "
                + server.c2sTlsPort() + "). Press Ctrl-C to stop.");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Integer.MIN_VALUE;
    }

    // ---------------------------------------------------------------- accounts

    private int adduser(Config config, List<String> rest) {
        boolean admin = rest.contains("--admin");
        List<String> pos = rest.stream().filter(a -> !a.equals("--admin")).toList();
        if (pos.size() != 2) {
            err.println("usage: switchboard adduser JID PASSWORD [--admin]");
            return USAGE;
        }
        try (Storage storage = StorageFactory.open(config, true)) {
            AccountService accounts = accounts(config, storage);
            Jid jid;
            try {
                jid = accounts.userJid(pos.get(0));
            } catch (IllegalArgumentException e) {
                err.println("adduser: " + e.getMessage());
                return USAGE;
            }
            try {
                accounts.create(jid, pos.get(1), admin);
            } catch (DuplicateAccountException e) {
                err.println("adduser: " + jid + " already exists");
                return FAILED;
            } catch (IllegalArgumentException e) {
                err.println("adduser: unacceptable password: " + e.getMessage());
                return USAGE;
            }
            out.println("Created " + jid + (admin ? " (administrator)" : ""));
            return OK;
        }
    }

    private int deluser(Config config, List<String> rest) {
        if (rest.size() != 1) {
            err.println("usage: switchboard deluser JID");
            return USAGE;
        }
        try (Storage storage = StorageFactory.open(config, true)) {
            AccountService accounts = accounts(config, storage);
            Jid jid;
            try {
                jid = accounts.userJid(rest.get(0));
            } catch (IllegalArgumentException e) {
                err.println("deluser: " + e.getMessage());
                return USAGE;
            }
            if (!accounts.delete(jid)) {
                err.println("deluser: no account " + jid);
                return FAILED;
            }
            out.println("Deleted " + jid);
            return OK;
        }
    }

    private int passwd(Config config, List<String> rest) {
        if (rest.size() != 2) {
            err.println("usage: switchboard passwd JID PASSWORD");
            return USAGE;
        }
        try (Storage storage = StorageFactory.open(config, true)) {
            AccountService accounts = accounts(config, storage);
            Jid jid;
            try {
                jid = accounts.userJid(rest.get(0));
            } catch (IllegalArgumentException e) {
                err.println("passwd: " + e.getMessage());
                return USAGE;
            }
            try {
                if (!accounts.changePassword(jid, rest.get(1))) {
                    err.println("passwd: no account " + jid);
                    return FAILED;
                }
            } catch (IllegalArgumentException e) {
                err.println("passwd: unacceptable password: " + e.getMessage());
                return USAGE;
            }
            out.println("Password of " + jid + " changed");
            return OK;
        }
    }

    private int importUsers(Config config, List<String> rest) {
        if (rest.size() != 1) {
            err.println("usage: switchboard import-users FILE");
            return USAGE;
        }
        Path file = Path.of(rest.get(0));
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("import-users: cannot read " + file + ": " + e.getMessage());
            return USAGE;
        }
        try (Storage storage = StorageFactory.open(config, true)) {
            AccountService accounts = accounts(config, storage);
            List<AccountService.NewAccount> valid = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            java.util.Set<Jid> seen = new java.util.HashSet<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int sp = indexOfWhitespace(line);
                if (sp < 0) {
                    errors.add("line " + (i + 1) + ": expected \"jid password\"");
                    continue;
                }
                String j = line.substring(0, sp);
                String pw = line.substring(sp + 1).strip();
                try {
                    Jid jid = accounts.userJid(j);
                    if (!seen.add(jid)) {
                        errors.add("line " + (i + 1) + ": " + jid + " appears twice in the file");
                        continue;
                    }
                    io.switchboard.auth.Passwords.prepare(pw);
                    valid.add(new AccountService.NewAccount(jid, pw));
                } catch (IllegalArgumentException e) {
                    errors.add("line " + (i + 1) + ": " + e.getMessage());
                }
            }
            long t0 = System.nanoTime();
            AccountService.ImportResult r = accounts.importAll(valid);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            for (Jid existing : r.existing()) {
                errors.add(existing + " already exists (skipped)");
            }
            for (String e : errors) {
                err.println("import-users: " + e);
            }
            out.println("Imported " + r.created() + " accounts in " + ms + " ms" + (errors.isEmpty() ? "" : "; "
                    + errors.size() + " lines not imported"));
            return errors.isEmpty() ? OK : FAILED;
        }
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static AccountService accounts(Config config, Storage storage) {
        return new AccountService(storage.users(), Jid.enforceDomain(config.get(CoreSettings.DOMAIN)),
                config.get(CoreSettings.AUTH_SCRAM_ITERATIONS), Clock.systemUTC());
    }

    // ---------------------------------------------------------------- status

    private int status(Config config, List<String> rest) {
        Path dataDir = Path.of(config.get(CoreSettings.DATA_DIR));
        RunFile.Info info = new RunFile(dataDir).read();
        if (info == null || !info.alive()) {
            out.println("Switchboard is not running (data directory " + dataDir.toAbsolutePath().normalize() + ")");
            return 3;
        }
        out.println("Switchboard is running: pid " + info.pid() + ", domain " + info.domain() + ", client port "
                + info.c2sPort() + ", direct TLS port " + info.c2sTlsPort());
        if (config.get(CoreSettings.STORAGE_MODE) == CoreSettings.StorageMode.POSTGRES) {
            try (Storage storage = StorageFactory.open(config, true)) {
                out.println("Accounts: " + storage.users().count() + " (" + storage.describe() + ")");
            } catch (StorageUnavailableException e) {
                out.println("Accounts: unknown (" + e.getMessage() + ")");
            }
        }
        return OK;
    }
}
