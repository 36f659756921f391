package io.switchboard.server;

import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.account.AccountService;
import io.switchboard.auth.AuthThrottle;
import io.switchboard.auth.CredentialSource;
import io.switchboard.c2s.C2sContext;
import io.switchboard.c2s.C2sStream;
import io.switchboard.c2s.C2sStreams;
import io.switchboard.c2s.Registration;
import io.switchboard.c2s.StreamManagement;
import io.switchboard.cluster.NodeId;
import io.switchboard.cluster.local.LocalCluster;
import io.switchboard.config.Config;
import io.switchboard.config.CoreSettings;
import io.switchboard.handler.DiscoHandler;
import io.switchboard.ext.blocking.BlockingService;
import io.switchboard.ext.carbons.CarbonsService;
import io.switchboard.ext.mam.ArchiveIds;
import io.switchboard.ext.mam.ArchiveService;
import io.switchboard.ext.mam.MamHandler;
import io.switchboard.ext.vcard.VCardHandler;
import io.switchboard.ext.PrivateXmlHandler;
import io.switchboard.handler.ServerInfo;
import io.switchboard.ext.SimpleHandlers;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.Identity;
import io.switchboard.im.OfflineService;
import io.switchboard.im.PresenceService;
import io.switchboard.im.RosterIqHandler;
import io.switchboard.im.RosterService;
import io.switchboard.jid.Jid;
import io.switchboard.routing.IqTracker;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.routing.UserLocks;
import io.switchboard.session.ClientSession;
import io.switchboard.session.LocalSessions;
import io.switchboard.stanza.StreamError;
import io.switchboard.store.AccountChange;
import io.switchboard.store.Storage;
import io.switchboard.tls.TlsContexts;
import io.switchboard.tls.TlsMaterial;
import io.switchboard.transport.Listener;
import io.switchboard.transport.ListenerSpec;
import io.switchboard.transport.mina.MinaTransport;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server: wires storage, routing, the IM features and the network from a {@link Config}, and
 * runs them until {@link #close()}. Composition is explicit here; nothing is looked up at run time.
 */
public final class XmppServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XmppServer.class);

    private final Config config;
    private final String domain;
    private final Storage storage;
    private final ScheduledExecutorService scheduler;
    private final MinaTransport transport;
    private final LocalSessions sessions;
    private final C2sStreams streams = new C2sStreams();
    private final StreamManagement streamManagement = new StreamManagement();
    private final AccountService accounts;
    private final StanzaRouter router;
    private final ServerInfo info;
    private final TlsContexts tls;
    private final ArchiveService archive;
    private final List<Listener> listeners = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private int c2sPort = -1;
    private int c2sTlsPort = -1;
    private final Context ctx = new Context();
    private final List<ServerModule> modules;
    private final List<ServerModule> started = new ArrayList<>();

    private XmppServer(Config config, Function<Config, Storage> storageFactory, List<ServerModule> modules)
            throws IOException {
        this.modules = List.copyOf(modules);
        this.config = config;
        this.domain = Jid.enforceDomain(config.get(CoreSettings.DOMAIN));
        Path dataDir = Path.of(config.get(CoreSettings.DATA_DIR));
        Files.createDirectories(dataDir);
        Clock clock = Clock.systemUTC();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "xmpp-scheduler");
            t.setDaemon(true);
            return t;
        });
        this.tls = new TlsContexts(tlsMaterial(config, dataDir), null);
        this.storage = storageFactory.apply(config);
        boolean ok = false;
        try {
            byte[] secret = config.get(CoreSettings.STORAGE_MODE) == CoreSettings.StorageMode.MEMORY
                    ? ServerSecret.random() : ServerSecret.loadOrCreate(dataDir);
            ctx.secret = secret;
            LocalCluster cluster = new LocalCluster(new NodeId("node-" + UUID.randomUUID().toString().substring(0, 8)));
            ctx.cluster = cluster;
            this.sessions = new LocalSessions(cluster, cluster.self());
            IqTracker tracker = new IqTracker(scheduler);
            UserLocks locks = new UserLocks(1024);
            this.accounts = new AccountService(storage.users(), domain, config.get(CoreSettings.AUTH_SCRAM_ITERATIONS), clock);

            HandlerRegistry.Builder handlers = HandlerRegistry.builder();
            handlers.serverIdentity(new Identity("server", "im", ServerInfo.NAME));
            ServerInfo[] infoRef = new ServerInfo[1];
            DiscoHandler disco = new DiscoHandler(() -> infoRef[0]);
            disco.register(handlers);
            ctx.clock = clock;
            ctx.tracker = tracker;
            ctx.disco = disco;

            RosterService[] rosterRef = new RosterService[1];
            SimpleHandlers.register(handlers, () -> infoRef[0], config.get(CoreSettings.VERSION_SHOW_OS), clock,
                    storage.lastActivity(), sessions, (user, contact) -> rosterRef[0].item(user, contact));
            handlers.account(IqKey.get(Ns.PRIVATE, "query"),
                    new PrivateXmlHandler(storage.privateXml(), config.get(CoreSettings.PRIVATE_MAX_BYTES).bytes()));
            handlers.account(IqKey.set(Ns.PRIVATE, "query"),
                    new PrivateXmlHandler(storage.privateXml(), config.get(CoreSettings.PRIVATE_MAX_BYTES).bytes()));
            handlers.serverFeature(Ns.PRIVATE);
            handlers.serverFeature(Ns.OFFLINE);
            handlers.serverFeature(Ns.REGISTER);
            AccountIqHandler accountIq = new AccountIqHandler(accounts);
            handlers.both(IqKey.get(Ns.REGISTER, "query"), accountIq);
            handlers.both(IqKey.set(Ns.REGISTER, "query"), accountIq);

            ArchiveService archiveService = new ArchiveService(storage.archive(), storage.archivePreferences(),
                    new ArchiveIds(0), clock, (user, contact) -> rosterRef[0].item(user, contact), sessions::isOnline);
            this.archive = archiveService;
            StanzaRouter[] routerRef = new StanzaRouter[1];
            MamHandler mam = new MamHandler(archiveService, () -> routerRef[0], config.get(CoreSettings.ARCHIVE_MAX_PAGE));
            mam.register(handlers);
            CarbonsService carbons = new CarbonsService(sessions);
            carbons.register(handlers);
            BlockingService blocking = new BlockingService(storage.blockLists(), sessions, tracker,
                    config.get(CoreSettings.BLOCKLIST_MAX_ITEMS));
            blocking.register(handlers);
            new VCardHandler(storage.vcards(), config.get(CoreSettings.VCARD_MAX_BYTES).bytes()).register(handlers);

            // The roster handler needs the presence service, which needs the router: two steps.
            RosterIqHandlerHolder rosterIq = new RosterIqHandlerHolder();
            handlers.account(IqKey.get(Ns.ROSTER, "query"), rosterIq);
            handlers.account(IqKey.set(Ns.ROSTER, "query"), rosterIq);

            for (ServerModule m : this.modules) {
                m.register(handlers, ctx);
            }
            HandlerRegistry registry = handlers.build();
            this.info = new ServerInfo(registry, clock.instant());
            infoRef[0] = info;

            this.router = new StanzaRouter(domain, sessions, cluster, cluster, registry, storage.users(), tracker, locks);
            routerRef[0] = router;
            router.addFilter(blocking);
            blocking.setRouter(router);
            // Order matters: the archive stamps stanza-ids, carbons copy them, then the sender's id is removed.
            router.addHook(archiveService);
            router.addHook(carbons);
            router.addHook(archiveService.stripOwnIds());
            sessions.onUnbind(s -> {
                blocking.evictIfOffline(s.jid().bare());
                archiveService.offline(s.jid().bare());
            });
            // What a message to or from an online account consults is in memory from its bind on,
            // so that routing a message between online accounts reads no storage.
            sessions.onBind(s -> {
                blocking.load(s.jid().bare());
                archiveService.preferences(s.jid().bare());
                rosterRef[0].load(s.jid().bare());
            });
            java.time.Duration retention = config.get(CoreSettings.ARCHIVE_RETENTION);
            if (!retention.isZero()) {
                scheduler.scheduleWithFixedDelay(() -> {
                    try {
                        archiveService.purge(retention);
                    } catch (RuntimeException e) {
                        LOG.warn("Archive purge failed: {}", e.getMessage());
                    }
                }, 1, 60 * 24, TimeUnit.MINUTES);
            }
            RosterService rosters = new RosterService(storage.rosters(), sessions, tracker);
            rosterRef[0] = rosters;
            OfflineService offline = new OfflineService(storage.offline(), router, domain,
                    config.get(CoreSettings.OFFLINE_QUOTA), config.get(CoreSettings.OFFLINE_MAX_BYTES).bytes(), clock);
            PresenceService presence = new PresenceService(router, sessions, rosters, offline, storage.lastActivity(),
                    storage.users(), locks, config.get(CoreSettings.ROSTER_MAX_PENDING), clock);
            router.setPresence(presence);
            router.setOffline(offline);
            rosterIq.set(new RosterIqHandler(rosters, presence, config.get(CoreSettings.ROSTER_MAX_ITEMS)));
            ctx.rosters = rosters;
            ctx.presence = presence;

            storage.onAccountChange(this::accountChanged);

            boolean requireTls = config.get(CoreSettings.C2S_REQUIRE_TLS);
            if (!requireTls) {
                LOG.warn("c2s.require-tls is false: clients may log in without TLS. Use this only on loopback"
                        + " (benchmarks, interop runs), never on a network.");
            }
            Registration registration = config.get(CoreSettings.REGISTRATION_OPEN)
                    ? new Registration(accounts, config.get(CoreSettings.REGISTRATION_PER_IP_PER_HOUR), System::nanoTime)
                    : null;
            XmlLimits postAuth = XmlLimits.c2sDefaults().withMaxStanzaBytes(config.get(CoreSettings.C2S_MAX_STANZA).intBytes());
            XmlLimits preAuth = XmlLimits.preAuthDefaults()
                    .withMaxStanzaBytes(config.get(CoreSettings.C2S_PRE_AUTH_MAX_STANZA).intBytes());
            C2sContext c2s = new C2sContext(domain, true, requireTls, registration, preAuth, postAuth,
                    config.get(CoreSettings.C2S_PRE_AUTH_TIMEOUT), config.get(CoreSettings.C2S_PING_INTERVAL),
                    config.get(CoreSettings.C2S_PING_TIMEOUT), config.get(CoreSettings.C2S_MAX_SESSIONS_PER_USER),
                    config.get(CoreSettings.C2S_RESOURCE_CONFLICT), config.get(CoreSettings.AUTH_MAX_FAILURES_PER_STREAM),
                    router, sessions, presence,
                    new CredentialSource(storage.users(), secret, config.get(CoreSettings.AUTH_SCRAM_ITERATIONS)),
                    new AuthThrottle(config.get(CoreSettings.AUTH_FAILURES_BEFORE_DELAY), config.get(CoreSettings.AUTH_MAX_DELAY),
                            System::nanoTime),
                    tracker, scheduler, () -> infoRef[0], accounts, streams, streamManagement,
                    config.get(CoreSettings.C2S_RESUME_TIMEOUT), config.get(CoreSettings.C2S_MAX_UNACKED),
                    config.get(CoreSettings.FAST_TOKEN_LIFETIME).isZero() ? null : storage.fastTokens(),
                    config.get(CoreSettings.FAST_TOKEN_LIFETIME), clock);

            int workers = config.get(CoreSettings.WORKER_THREADS);
            if (workers == 0) {
                workers = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
            }
            this.transport = new MinaTransport(tls, config.get(CoreSettings.IO_THREADS), workers);
            ctx.transport = transport;
            String bind = config.get(CoreSettings.BIND_ADDRESS);
            int idle = (int) config.get(CoreSettings.C2S_PING_INTERVAL).toSeconds();
            int perIp = config.get(CoreSettings.C2S_MAX_CONNECTIONS_PER_IP);
            long maxQueue = config.get(CoreSettings.C2S_MAX_WRITE_QUEUE).bytes();
            Listener starttls = transport.listen(new ListenerSpec("c2s", bind, config.get(CoreSettings.C2S_PORT), false,
                    preAuth, idle, perIp, maxQueue, conn -> new C2sStream(conn, c2s)));
            listeners.add(starttls);
            c2sPort = starttls.port();
            Listener direct = transport.listen(new ListenerSpec("c2s direct TLS", bind,
                    config.get(CoreSettings.C2S_TLS_PORT), true, preAuth, idle, perIp, maxQueue, conn -> new C2sStream(conn, c2s)));
            listeners.add(direct);
            c2sTlsPort = direct.port();
            for (ServerModule m : this.modules) {
                try {
                    m.start(ctx);
                } catch (Exception e) {
                    throw new IOException("module " + m.name() + " failed to start: " + e.getMessage(), e);
                }
                started.add(m);
                LOG.info("Module {} started", m.name());
            }
            ok = true;
        } finally {
            if (!ok) {
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).stop();
                }
                if (ctx.transport != null) {
                    ctx.transport.close();
                }
                storage.close();
                scheduler.shutdownNow();
            }
        }
        LOG.info("Switchboard {} serving {} (storage: {}; c2s {}, direct TLS {})", info.version(), domain,
                storage.describe(), c2sPort, c2sTlsPort);
    }

    /** Starts a server with the core features only. */
    public static XmppServer start(Config config, Function<Config, Storage> storageFactory) throws IOException {
        return new XmppServer(config, storageFactory, List.of());
    }

    /** Starts a server with these modules (started in order, stopped in reverse). */
    public static XmppServer start(Config config, Function<Config, Storage> storageFactory, List<ServerModule> modules)
            throws IOException {
        return new XmppServer(config, storageFactory, modules);
    }

    public ModuleContext context() {
        return ctx;
    }

    /** The modules' view of this server. */
    private final class Context implements ModuleContext {
        volatile Clock clock;
        volatile IqTracker tracker;
        volatile DiscoHandler disco;
        volatile RosterService rosters;
        volatile io.switchboard.im.PresenceService presence;
        volatile io.switchboard.transport.Transport transport;
        volatile LocalCluster cluster;
        volatile byte[] secret;

        private <T> T ready(T v, String what) {
            if (v == null) {
                throw new IllegalStateException(what + " is not available yet (use it in start())");
            }
            return v;
        }

        @Override
        public Config config() {
            return config;
        }

        @Override
        public io.switchboard.cluster.ClusterMembership cluster() {
            return cluster;
        }

        @Override
        public io.switchboard.cluster.KeyOwnership keyOwnership() {
            return cluster;
        }

        @Override
        public io.switchboard.cluster.NodeMessenger nodeMessenger() {
            return cluster;
        }

        @Override
        public String domain() {
            return domain;
        }

        @Override
        public Storage storage() {
            return storage;
        }

        @Override
        public LocalSessions sessions() {
            return sessions;
        }

        @Override
        public StanzaRouter router() {
            return ready(router, "the router");
        }

        @Override
        public RosterService rosters() {
            return ready(rosters, "the roster service");
        }

        @Override
        public io.switchboard.im.PresenceService presence() {
            return ready(presence, "the presence service");
        }

        @Override
        public IqTracker tracker() {
            return tracker;
        }

        @Override
        public java.util.concurrent.ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public DiscoHandler disco() {
            return disco;
        }

        @Override
        public ServerInfo serverInfo() {
            return ready(info, "server info");
        }

        @Override
        public AccountService accounts() {
            return accounts;
        }

        @Override
        public TlsContexts tls() {
            return tls;
        }

        @Override
        public byte[] serverSecret() {
            return ready(secret, "the server secret").clone();
        }

        @Override
        public io.switchboard.transport.Transport transport() {
            return ready(transport, "the transport");
        }
    }

    private static TlsMaterial tlsMaterial(Config config, Path dataDir) throws IOException {
        String cert = config.get(CoreSettings.TLS_CERTIFICATE);
        String key = config.get(CoreSettings.TLS_PRIVATE_KEY);
        if (!cert.isEmpty()) {
            if (key.isEmpty()) {
                throw new io.switchboard.config.ConfigException("tls.certificate is set but tls.private-key is not");
            }
            return TlsMaterial.load(Path.of(cert), Path.of(key));
        }
        return TlsMaterial.selfSigned(dataDir.resolve("tls"), Jid.enforceDomain(config.get(CoreSettings.DOMAIN)));
    }

    private void accountChanged(AccountChange c) {
        if (c.kind() == AccountChange.Kind.DELETED) {
            for (ClientSession s : sessions.of(c.jid())) {
                LOG.info("Account {} was deleted; closing its session {}", c.jid(), s.jid());
                s.close(StreamError.of("not-authorized", "this account was deleted"));
            }
        }
    }

    public Config config() {
        return config;
    }

    public String domain() {
        return domain;
    }

    public int c2sPort() {
        return c2sPort;
    }

    public int c2sTlsPort() {
        return c2sTlsPort;
    }

    public AccountService accounts() {
        return accounts;
    }

    public LocalSessions sessions() {
        return sessions;
    }

    public Storage storage() {
        return storage;
    }

    public StanzaRouter router() {
        return router;
    }

    public TlsContexts tls() {
        return tls;
    }

    public int openStreams() {
        return streams.count();
    }

    /**
     * Stops: no new connections, every stream gets {@code <system-shutdown/>} (RFC 6120 §4.9.3.18),
     * then the network, the workers and storage stop in that order.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("Shutting down: closing {} client streams", streams.count());
        for (Listener l : listeners) {
            l.close();
        }
        List<C2sStream> open = new ArrayList<>(streams.all());
        CountDownLatch latch = new CountDownLatch(1);
        AtomicInteger remaining = new AtomicInteger(open.size());
        StreamError shutdown = StreamError.of("system-shutdown", "the server is shutting down");
        for (C2sStream s : open) {
            s.shutdown(shutdown);
        }
        // Sessions waiting for a resumption end too: their unacknowledged messages go to offline storage.
        for (var s : streamManagement.detached()) {
            s.close(shutdown);
        }
        // Give the streams a moment to flush their goodbye (and the sessions their unavailable presence).
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (streams.count() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        remaining.set(streams.count());
        if (remaining.get() > 0) {
            LOG.warn("{} streams did not close in time", remaining.get());
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).stop();
            } catch (RuntimeException e) {
                LOG.warn("Module {} failed to stop cleanly", started.get(i).name(), e);
            }
        }
        transport.close();
        scheduler.shutdownNow();
        archive.close();
        try {
            storage.close();
        } catch (RuntimeException e) {
            LOG.error("Closing storage failed", e);
        }
        LOG.info("Switchboard stopped");
    }

    /** Lets the roster handler be registered before the services it uses exist. */
    private static final class RosterIqHandlerHolder implements io.switchboard.handler.IqHandler {
        private volatile RosterIqHandler delegate;

        void set(RosterIqHandler h) {
            this.delegate = h;
        }

        @Override
        public io.switchboard.stanza.Iq handle(io.switchboard.handler.IqRequest request)
                throws io.switchboard.stanza.StanzaException {
            return delegate.handle(request);
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
