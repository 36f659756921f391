package io.switchboard.s2s;

import io.switchboard.config.ConfigException;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.DataSize;
import io.switchboard.config.Setting;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.tls.AcceptAnyCertificate;
import io.switchboard.tls.TlsContexts;
import io.switchboard.transport.ConnectSpec;
import io.switchboard.transport.Connection;
import io.switchboard.transport.Listener;
import io.switchboard.transport.ListenerSpec;
import io.switchboard.xml.XmlLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Federation (RFC 6120 server-to-server): listens for remote servers on {@code s2s.port} (STARTTLS)
 * and optionally {@code s2s.tls-port} (XEP-0368 direct TLS), and carries stanzas for remote domains
 * over outbound streams it opens on demand, one per remote domain, reused until idle. Peers
 * authenticate with SASL EXTERNAL when their certificate validates for their domain (XEP-0178),
 * else with Server Dialback (XEP-0220) where the policy allows it.
 */
public final class FederationModule implements ServerModule {

    private static final Logger LOG = LoggerFactory.getLogger(FederationModule.class);

    /** Whether Server Dialback may authenticate a domain whose certificate does not. */
    public enum DialbackPolicy { ALLOW, DENY }

    public static final Setting<Integer> TLS_PORT = Setting.integer("s2s.tls-port", -1, -1, 65535,
            "Server-to-server connections with direct TLS (XEP-0368); -1 disables it, 0 picks a free port.");
    public static final Setting<Boolean> REQUIRE_TLS = Setting.bool("s2s.require-tls", true,
            "Require TLS on server-to-server streams both ways (false only for tests on loopback).");
    public static final Setting<DialbackPolicy> DIALBACK = Setting.choice("s2s.dialback", DialbackPolicy.class,
            DialbackPolicy.ALLOW, "allow: Server Dialback (XEP-0220) authenticates peers whose certificate does not;"
                    + " deny: only peers with a certificate valid for their domain federate.");
    public static final Setting<List<String>> DIALBACK_OVERRIDES = Setting.list("s2s.dialback-overrides",
            "Per-domain exceptions to s2s.dialback as domain=allow|deny, comma-separated.");
    public static final Setting<String> TRUST_STORE = Setting.string("s2s.trust-store", "",
            "CA certificates that validate peer certificates: a PEM bundle or a PKCS#12/JKS file. Empty: the JDK's"
                    + " default trust store (cacerts).");
    public static final Setting<String> TRUST_STORE_PASSWORD = Setting.secret("s2s.trust-store-password", "",
            "Password of s2s.trust-store when it is a PKCS#12/JKS key store.");
    public static final Setting<List<String>> STATIC_ROUTES = Setting.list("s2s.static-routes",
            "Remote domains reached at a fixed address instead of DNS, as domain=host:port, comma-separated.");
    public static final Setting<String> DNS_SERVER = Setting.string("s2s.dns-server", "",
            "DNS server (host or host:port) for SRV lookups. Empty: the system's name servers.");
    public static final Setting<Duration> CONNECT_TIMEOUT = Setting.duration("s2s.connect-timeout",
            Duration.ofSeconds(30), "Time to resolve, connect and authenticate to a remote server before the stanzas"
                    + " waiting for it bounce with <remote-server-timeout/>.");
    public static final Setting<Duration> IDLE_TIMEOUT = Setting.duration("s2s.idle-timeout", Duration.ofMinutes(5),
            "An outbound stream unused this long is closed (inbound ones after twice as long without input).");
    public static final Setting<Integer> MAX_QUEUE = Setting.integer("s2s.max-queued-stanzas", 1000, 1, 1_000_000,
            "Stanzas waiting for one remote domain's stream; beyond it they bounce with <resource-constraint/>.");
    public static final Setting<Integer> MAX_PENDING_VERIFY = Setting.integer("s2s.max-pending-verifications", 100, 1,
            100_000, "Dialback verifications this server waits for at once; more are answered as invalid.");
    public static final Setting<DataSize> MAX_STANZA = Setting.size("s2s.max-stanza-size", new DataSize(512 * 1024),
            "Largest stanza an authenticated remote server may send.");
    public static final Setting<Integer> MAX_UNAUTHENTICATED = Setting.integer("s2s.max-unauthenticated-per-ip", 50,
            1, 1_000_000, "Inbound server connections one IP address may hold before they authenticate.");

    private ModuleContext ctx;
    private String domain;
    private TlsContexts tls;
    private CertVerifier certs;
    private DialbackKeys keys;
    private Resolver resolver;
    private boolean requireTls;
    private DialbackPolicy dialback;
    private final Map<String, DialbackPolicy> dialbackOverrides = new HashMap<>();
    private Duration connectTimeout;
    private Duration idleTimeout;
    private int maxQueue;
    private int maxPendingVerify;
    private XmlLimits postAuthLimits;
    private final List<Listener> listeners = new ArrayList<>();
    private final Map<DomainPair, RemoteDomain> remotes = new ConcurrentHashMap<>();
    private final Map<Long, InboundStream> inbound = new ConcurrentHashMap<>();
    private final AtomicInteger pendingVerifications = new AtomicInteger();
    private ExecutorService connector;
    /** How outbound connections are opened: the transport, or a test's stand-in around it. */
    private volatile Function<ConnectSpec, CompletableFuture<Connection>> connect;
    private ScheduledFuture<?> sweeper;
    private volatile boolean stopping;
    private int port = -1;
    private int tlsPort = -1;

    @Override
    public String name() {
        return "federation";
    }

    @Override
    public List<Setting<?>> settings() {
        // s2s.port is a core setting (CoreSettings.S2S_PORT).
        return List.of(TLS_PORT, REQUIRE_TLS, DIALBACK, DIALBACK_OVERRIDES, TRUST_STORE, TRUST_STORE_PASSWORD,
                STATIC_ROUTES, DNS_SERVER, CONNECT_TIMEOUT, IDLE_TIMEOUT, MAX_QUEUE, MAX_PENDING_VERIFY, MAX_STANZA,
                MAX_UNAUTHENTICATED);
    }

    @Override
    public void start(ModuleContext c) throws Exception {
        this.ctx = c;
        var cfg = c.config();
        this.domain = c.domain();
        this.requireTls = cfg.get(REQUIRE_TLS);
        this.dialback = cfg.get(DIALBACK);
        for (String o : cfg.get(DIALBACK_OVERRIDES)) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("s2s.dialback-overrides: expected domain=allow|deny, got '" + o + "'");
            }
            String v = o.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            DialbackPolicy p = switch (v) {
                case "allow" -> DialbackPolicy.ALLOW;
                case "deny" -> DialbackPolicy.DENY;
                default -> throw new ConfigException("s2s.dialback-overrides: expected allow or deny in '" + o + "'");
            };
            try {
                dialbackOverrides.put(Jid.enforceDomain(o.substring(0, eq).trim()), p);
            } catch (MalformedJidException e) {
                throw new ConfigException("s2s.dialback-overrides: invalid domain in '" + o + "'");
            }
        }
        if (!requireTls) {
            LOG.warn("s2s.require-tls is false: server-to-server streams may stay unencrypted");
        }
        this.certs = CertVerifier.load(cfg.get(TRUST_STORE), cfg.get(TRUST_STORE_PASSWORD));
        this.tls = new TlsContexts(c.tls().material(), new TrustManager[]{new AcceptAnyCertificate()}, true);
        // The server's own secret (XEP-0185): the same keys on every node and after a restart, so
        // a peer's verification can be answered by whichever node it reaches.
        this.keys = new DialbackKeys(c.serverSecret());
        this.connectTimeout = cfg.get(CONNECT_TIMEOUT);
        this.idleTimeout = cfg.get(IDLE_TIMEOUT);
        this.maxQueue = cfg.get(MAX_QUEUE);
        this.maxPendingVerify = cfg.get(MAX_PENDING_VERIFY);
        this.resolver = new Resolver(Resolver.parseStaticRoutes(cfg.get(STATIC_ROUTES)),
                Resolver.dnsServer(cfg.get(DNS_SERVER), Duration.ofSeconds(5)));
        this.postAuthLimits = XmlLimits.c2sDefaults().withMaxStanzaBytes((int) Math.min(Integer.MAX_VALUE,
                cfg.get(MAX_STANZA).bytes()));
        AtomicInteger n = new AtomicInteger();
        this.connector = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "s2s-connect-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) connector).allowCoreThreadTimeOut(true);

        String bind = cfg.get(CoreSettings.BIND_ADDRESS);
        int idle = (int) Math.min(Integer.MAX_VALUE, idleTimeout.toSeconds() * 2);
        int perIp = cfg.get(MAX_UNAUTHENTICATED);
        Listener l = c.transport().listen(new ListenerSpec("s2s", bind, cfg.get(CoreSettings.S2S_PORT), false,
                XmlLimits.preAuthDefaults(), idle, perIp, 16L * 1024 * 1024, conn -> new InboundStream(conn, this), tls));
        listeners.add(l);
        port = l.port();
        if (cfg.get(TLS_PORT) >= 0) {
            Listener d = c.transport().listen(new ListenerSpec("s2s direct TLS", bind, cfg.get(TLS_PORT), true,
                    XmlLimits.preAuthDefaults(), idle, perIp, 16L * 1024 * 1024, conn -> new InboundStream(conn, this), tls));
            listeners.add(d);
            tlsPort = d.port();
        }
        c.router().setRemote(this::send);
        long sweep = Math.max(1, Math.min(30, idleTimeout.toSeconds() / 2));
        sweeper = c.scheduler().scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.SECONDS);
        LOG.info("Federation for {} on port {}{}; TLS {}, dialback {}", domain, port,
                tlsPort >= 0 ? " and " + tlsPort + " (direct TLS)" : "", requireTls ? "required" : "optional",
                dialback.name().toLowerCase(Locale.ROOT));
    }

    /** The bound STARTTLS port. */
    public int port() {
        return port;
    }

    /** The bound direct TLS port, -1 when disabled. */
    public int tlsPort() {
        return tlsPort;
    }

    @Override
    public void stop() {
        stopping = true;
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        for (Listener l : listeners) {
            l.close();
        }
        for (RemoteDomain r : remotes.values()) {
            r.shutdown();
        }
        for (InboundStream s : inbound.values()) {
            s.shutdown();
        }
        if (connector != null) {
            connector.shutdownNow();
        }
    }

    // ---- routing ----

    /** The router's remote route: a stanza for a domain this server does not host. */
    void send(Stanza s) {
        String to = s.to().domain();
        if (s.from() == null || !isLocal(s.from().domain())) {
            // Streams go from a domain this server hosts (its own, group chat, components).
            ctx.router().bounce(s, StanzaError.remoteServerNotFound("no federation from " + (s.from() == null ? "?"
                    : s.from().domain())));
            return;
        }
        if (stopping) {
            ctx.router().bounce(s, StanzaError.remoteServerNotFound("the server is shutting down"));
            return;
        }
        remote(s.from().domain(), to).send(s);
    }

    /** The outbound side of one domain pair: each pair has its own stream, authenticated for that pair. */
    RemoteDomain remote(String localDomain, String remoteDomain) {
        return remotes.computeIfAbsent(new DomainPair(localDomain, remoteDomain), k -> new RemoteDomain(this, k));
    }

    private void sweep() {
        long now = System.nanoTime();
        for (RemoteDomain r : remotes.values()) {
            try {
                r.sweep(now);
                if (r.isDormant()) {
                    // Bounded memory: domains once contacted do not stay listed forever.
                    remotes.remove(r.pair(), r);
                }
            } catch (RuntimeException e) {
                LOG.warn("s2s sweep failed for {}", r.remoteDomain(), e);
            }
        }
    }

    // ---- services for the streams ----

    ModuleContext context() {
        return ctx;
    }

    String domain() {
        return domain;
    }

    /** The server's own domain and the services it hosts on subdomains (group chat, upload, components). */
    boolean isLocal(String d) {
        return domain.equals(d) || ctx.router().isComponentDomain(d);
    }

    TlsContexts tls() {
        return tls;
    }

    CertVerifier certs() {
        return certs;
    }

    DialbackKeys keys() {
        return keys;
    }

    Resolver resolver() {
        return resolver;
    }

    boolean requireTls() {
        return requireTls;
    }

    boolean dialbackAllowed(String remoteDomain) {
        return dialbackOverrides.getOrDefault(remoteDomain, dialback) == DialbackPolicy.ALLOW;
    }

    /** Whether any domain may use dialback (to offer the feature before the peer names itself). */
    boolean dialbackOffered() {
        return dialback == DialbackPolicy.ALLOW || dialbackOverrides.containsValue(DialbackPolicy.ALLOW);
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    int maxQueue() {
        return maxQueue;
    }

    XmlLimits postAuthLimits() {
        return postAuthLimits;
    }

    ExecutorService connector() {
        return connector;
    }

    /** Opens an outbound connection (the handler's {@code onOpen} follows on its worker). */
    CompletableFuture<Connection> connect(ConnectSpec spec) {
        Function<ConnectSpec, CompletableFuture<Connection>> c = connect;
        return c != null ? c.apply(spec) : ctx.transport().connect(spec);
    }

    /**
     * Test seam: opens outbound connections through {@code c} (which calls the transport itself), to
     * delay when a connect starts or when its future completes.
     */
    void connectThrough(Function<ConnectSpec, CompletableFuture<Connection>> c) {
        connect = c;
    }

    void inboundOpened(long id, InboundStream s) {
        inbound.put(id, s);
    }

    void inboundClosed(long id) {
        inbound.remove(id);
    }

    /** Remote domains currently authenticated on inbound streams (for tests and status). */
    public List<String> inboundDomains() {
        List<String> out = new ArrayList<>();
        for (InboundStream s : inbound.values()) {
            out.addAll(s.authenticatedDomains());
        }
        return out;
    }

    /** Remote domains with an authenticated outbound stream. */
    public List<String> outboundDomains() {
        List<String> out = new ArrayList<>();
        for (RemoteDomain r : remotes.values()) {
            if (r.isReady()) {
                out.add(r.remoteDomain());
            }
        }
        return out;
    }

    /**
     * Asks the authoritative server of {@code remoteDomain} whether {@code key} is genuine (the
     * receiving server's half of dialback); the answer comes to {@code result}, false on timeout.
     */
    void verifyDialback(String localDomain, String remoteDomain, String streamId, String key, Consumer<Boolean> result) {
        if (pendingVerifications.incrementAndGet() > maxPendingVerify) {
            pendingVerifications.decrementAndGet();
            LOG.warn("Too many dialback verifications pending; refusing one for {}", remoteDomain);
            result.accept(false);
            return;
        }
        remote(localDomain, remoteDomain).verify(streamId, key, ok -> {
            pendingVerifications.decrementAndGet();
            result.accept(ok);
        });
    }
}
