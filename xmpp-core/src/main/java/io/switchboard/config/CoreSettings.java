package io.switchboard.config;

import java.time.Duration;
import java.util.List;

/** The settings of the core server. Modules declare their own and the launcher combines them. */
public final class CoreSettings {

    /** How a new session that asks for a resource already in use is handled. */
    public enum ResourceConflict { KICK_OLD, REFUSE_NEW }

    /** Where accounts, rosters and messages are kept. */
    public enum StorageMode { POSTGRES, MEMORY }

    public static final Setting<String> DOMAIN = Setting.string("domain", "localhost",
            "The XMPP domain this server hosts (the part after @ in user addresses).");
    public static final Setting<String> DATA_DIR = Setting.string("data-dir", "./data",
            "Directory for the embedded database, the generated TLS certificate and uploaded files.");
    public static final Setting<String> BIND_ADDRESS = Setting.string("bind-address", "0.0.0.0",
            "Address the client and server listeners bind to (0.0.0.0 = all IPv4 interfaces, :: = all).");

    public static final Setting<Integer> C2S_PORT = Setting.port("c2s.port", 5222,
            "Client connections with STARTTLS (RFC 6120).");
    public static final Setting<Integer> C2S_TLS_PORT = Setting.port("c2s.tls-port", 5223,
            "Client connections with direct TLS (XEP-0368); -1 is not allowed, use 0 for a free port.");
    public static final Setting<Integer> S2S_PORT = Setting.port("s2s.port", 5269,
            "Server-to-server connections (federation).");
    public static final Setting<Integer> HTTP_PORT = Setting.port("http.port", 5280,
            "HTTP: file upload, WebSocket, BOSH.");
    public static final Setting<Integer> ADMIN_PORT = Setting.port("admin.port", 9090,
            "Admin console and API; listens on loopback only.");

    public static final Setting<Boolean> C2S_REQUIRE_TLS = Setting.bool("c2s.require-tls", true,
            "Require TLS before authentication. false allows plaintext client connections (loopback benchmarks and"
                    + " interop runs only); a warning is logged.");
    public static final Setting<Boolean> REGISTRATION_OPEN = Setting.bool("registration.open", false,
            "Allow in-band registration of new accounts (XEP-0077).");
    public static final Setting<Integer> REGISTRATION_PER_IP_PER_HOUR = Setting.integer(
            "registration.max-per-ip-per-hour", 5, 0, 1_000_000,
            "Accounts one IP address may register per hour (0 = no limit).");

    public static final Setting<StorageMode> STORAGE_MODE = Setting.choice("storage.mode", StorageMode.class,
            StorageMode.POSTGRES, "postgres (durable, the default) or memory (lost at shutdown; tests and benchmarks).");
    public static final Setting<String> DATABASE_URL = Setting.string("database.url", "",
            "JDBC URL of a PostgreSQL 13+ database. Empty: an embedded PostgreSQL under data-dir.");
    public static final Setting<String> DATABASE_USER = Setting.string("database.user", "",
            "Database user (empty with the embedded database).");
    public static final Setting<String> DATABASE_PASSWORD = Setting.secret("database.password", "",
            "Database password.");
    public static final Setting<Integer> DATABASE_POOL_SIZE = Setting.integer("database.pool-size", 10, 1, 500,
            "Connections in the database pool.");

    public static final Setting<String> TLS_CERTIFICATE = Setting.string("tls.certificate", "",
            "PEM certificate chain for the domain. Empty: a self-signed certificate is generated under data-dir on"
                    + " first start and reused after.");
    public static final Setting<String> TLS_PRIVATE_KEY = Setting.string("tls.private-key", "",
            "PEM private key (PKCS#8) for tls.certificate.");

    public static final Setting<DataSize> C2S_MAX_STANZA = Setting.size("c2s.max-stanza-size",
            new DataSize(256 * 1024), "Largest stanza an authenticated client may send.");
    public static final Setting<DataSize> C2S_PRE_AUTH_MAX_STANZA = Setting.size("c2s.pre-auth-max-stanza-size",
            new DataSize(8 * 1024), "Largest element a client may send before it has authenticated.");
    public static final Setting<Duration> C2S_PRE_AUTH_TIMEOUT = Setting.duration("c2s.pre-auth-timeout",
            Duration.ofSeconds(60), "Time a connection has to authenticate and bind, whatever it sends meanwhile.");
    public static final Setting<Duration> C2S_PING_INTERVAL = Setting.duration("c2s.ping-interval",
            Duration.ofMinutes(4), "Silence after which the server pings a client (XEP-0199).");
    public static final Setting<Duration> C2S_PING_TIMEOUT = Setting.duration("c2s.ping-timeout",
            Duration.ofSeconds(60), "Time a client has to answer the server's ping before it is disconnected.");
    public static final Setting<Integer> C2S_MAX_CONNECTIONS_PER_IP = Setting.integer(
            "c2s.max-unauthenticated-per-ip", 100, 1, 1_000_000,
            "Connections one IP address may hold open before they have authenticated.");
    public static final Setting<Integer> C2S_MAX_SESSIONS_PER_USER = Setting.integer("c2s.max-sessions-per-user",
            10, 1, 1000, "Resources one account may have online at once.");
    public static final Setting<ResourceConflict> C2S_RESOURCE_CONFLICT = Setting.choice("c2s.resource-conflict",
            ResourceConflict.class, ResourceConflict.KICK_OLD,
            "A second session binding the same resource: kick-old disconnects the old one with <conflict/>,"
                    + " refuse-new gives the new one a server-generated resource instead.");
    public static final Setting<Duration> C2S_RESUME_TIMEOUT = Setting.duration("c2s.resume-timeout",
            Duration.ofMinutes(5), "How long a session with stream management (XEP-0198) waits for its client to resume"
                    + " after the connection dropped; its stanzas are kept meanwhile.");
    public static final Setting<Integer> C2S_MAX_UNACKED = Setting.integer("c2s.max-unacked-stanzas", 1000, 10,
            100_000, "Stanzas a client may leave unacknowledged (XEP-0198) before its session is ended and they are"
                    + " redelivered (other resources or offline storage).");
    public static final Setting<DataSize> C2S_MAX_WRITE_QUEUE = Setting.size("c2s.max-write-queue",
            new DataSize(4 * 1024 * 1024), "Bytes queued for a client that does not read before it is disconnected.");

    public static final Setting<Duration> FAST_TOKEN_LIFETIME = Setting.duration("auth.fast-token-lifetime",
            Duration.ofDays(30), "How long a FAST token (XEP-0484) lets a client log in again without its password;"
                    + " 0 turns FAST off.");
    public static final Setting<Integer> AUTH_SCRAM_ITERATIONS = Setting.integer("auth.scram-iterations", 10_000,
            4096, 1_000_000, "PBKDF2 iterations for newly stored passwords (SCRAM-SHA-1 and SCRAM-SHA-256).");
    public static final Setting<Integer> AUTH_MAX_FAILURES_PER_STREAM = Setting.integer(
            "auth.max-failures-per-connection", 3, 1, 10,
            "Failed authentications after which a connection is closed with <policy-violation/>.");
    public static final Setting<Integer> AUTH_FAILURES_BEFORE_DELAY = Setting.integer("auth.failures-before-delay",
            5, 0, 1000, "Failures from one IP or against one account (within 15 minutes) before answers slow down.");
    public static final Setting<Duration> AUTH_MAX_DELAY = Setting.duration("auth.max-delay", Duration.ofSeconds(30),
            "Longest delay a failing IP or account is made to wait before its answer.");

    public static final Setting<Integer> OFFLINE_QUOTA = Setting.integer("offline.max-messages", 1000, 0, 1_000_000,
            "Offline messages kept per user; past it, messages bounce with <service-unavailable/>.");
    public static final Setting<DataSize> OFFLINE_MAX_BYTES = Setting.size("offline.max-bytes",
            new DataSize(10 * 1024 * 1024), "Bytes of offline messages kept per user.");
    public static final Setting<Integer> ROSTER_MAX_ITEMS = Setting.integer("roster.max-items", 2000, 10, 100_000,
            "Contacts one roster may hold.");
    public static final Setting<Integer> ROSTER_MAX_PENDING = Setting.integer("roster.max-pending-requests", 100,
            1, 100_000, "Unanswered incoming subscription requests kept per user; excess ones are dropped.");
    public static final Setting<DataSize> PRIVATE_MAX_BYTES = Setting.size("private.max-bytes",
            new DataSize(256 * 1024), "Private XML storage (XEP-0049) per user.");
    public static final Setting<Duration> ARCHIVE_RETENTION = Setting.duration("archive.retention", Duration.ZERO,
            "How long users' message archives (XEP-0313) keep messages; 0 keeps them forever.");
    public static final Setting<Integer> ARCHIVE_MAX_PAGE = Setting.integer("archive.max-page-size", 100, 10, 1000,
            "Most archived messages one archive query returns (larger requests are cut to this).");
    public static final Setting<Integer> BLOCKLIST_MAX_ITEMS = Setting.integer("blocking.max-items", 1000, 10, 100_000,
            "Entries one block list (XEP-0191) may hold.");
    public static final Setting<DataSize> VCARD_MAX_BYTES = Setting.size("vcard.max-bytes", new DataSize(200 * 1024),
            "Largest vCard (XEP-0054) a user may store, photo included.");
    public static final Setting<Boolean> VERSION_SHOW_OS = Setting.bool("version.show-os", false,
            "Include the operating system in software version answers (XEP-0092).");
    public static final Setting<Integer> WORKER_THREADS = Setting.integer("server.worker-threads", 0, 0, 1024,
            "Threads that process stanzas (0 = twice the number of cores, at least 8).");
    public static final Setting<Integer> IO_THREADS = Setting.integer("server.io-threads", 0, 0, 256,
            "Threads that read, decrypt and parse network input (0 = cores + 1).");

    private CoreSettings() {
    }

    public static List<Setting<?>> all() {
        return List.of(DOMAIN, DATA_DIR, BIND_ADDRESS, C2S_PORT, C2S_TLS_PORT, S2S_PORT, HTTP_PORT, ADMIN_PORT,
                C2S_REQUIRE_TLS, REGISTRATION_OPEN, REGISTRATION_PER_IP_PER_HOUR,
                STORAGE_MODE, DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, DATABASE_POOL_SIZE,
                TLS_CERTIFICATE, TLS_PRIVATE_KEY,
                C2S_MAX_STANZA, C2S_PRE_AUTH_MAX_STANZA, C2S_PRE_AUTH_TIMEOUT, C2S_PING_INTERVAL, C2S_PING_TIMEOUT,
                C2S_MAX_CONNECTIONS_PER_IP, C2S_MAX_SESSIONS_PER_USER, C2S_RESOURCE_CONFLICT, C2S_RESUME_TIMEOUT, C2S_MAX_UNACKED,
                C2S_MAX_WRITE_QUEUE,
                FAST_TOKEN_LIFETIME, AUTH_SCRAM_ITERATIONS, AUTH_MAX_FAILURES_PER_STREAM, AUTH_FAILURES_BEFORE_DELAY, AUTH_MAX_DELAY,
                OFFLINE_QUOTA, OFFLINE_MAX_BYTES, ROSTER_MAX_ITEMS, ROSTER_MAX_PENDING, PRIVATE_MAX_BYTES,
                ARCHIVE_RETENTION, ARCHIVE_MAX_PAGE, BLOCKLIST_MAX_ITEMS, VCARD_MAX_BYTES,
                VERSION_SHOW_OS, WORKER_THREADS, IO_THREADS);
    }
}
