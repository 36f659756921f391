package io.switchboard.http;

import io.switchboard.config.Config;
import io.switchboard.config.ConfigException;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.DataSize;
import io.switchboard.config.Setting;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.tls.TlsContexts;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one HTTP listener (Jetty 12, core handlers, HTTP/1.1), on {@code http.port}: HTTPS
 * with the server's certificate and TLS policy by default, plain HTTP behind a reverse proxy when
 * {@code http.tls = false}. Other modules mount their endpoints through {@link #routes()}; a
 * module that needs HTTP takes this instance in its constructor.
 */
public final class HttpModule implements ServerModule, HttpRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(HttpModule.class);

    public static final Setting<String> BIND = Setting.string("http.bind-address", "",
            "Address the HTTP listener binds to; empty: the same as bind-address.");
    public static final Setting<Boolean> TLS = Setting.bool("http.tls", true,
            "Serve HTTPS with the server's certificate (tls.certificate). false serves plain HTTP, for a reverse proxy"
                    + " that terminates TLS in front (set http.public-url then).");
    public static final Setting<String> PUBLIC_URL = Setting.string("http.public-url", "",
            "Base URL clients reach the HTTP server at, e.g. https://xmpp.example.org (behind a reverse proxy). Empty:"
                    + " https://<domain>:<http.port>.");
    public static final Setting<Boolean> TRUST_FORWARDED = Setting.bool("http.trust-forwarded-headers", false,
            "Take the client address and scheme from Forwarded / X-Forwarded-* headers (only behind a reverse proxy"
                    + " that sets them; anyone can forge them otherwise).");
    public static final Setting<DataSize> MAX_HEADER_SIZE = Setting.size("http.max-header-size", new DataSize(8 * 1024),
            "Largest request line plus headers; larger requests get 431.");
    public static final Setting<Duration> IDLE_TIMEOUT = Setting.duration("http.idle-timeout", Duration.ofSeconds(30),
            "An HTTP connection that sends or reads nothing for this long is closed.");
    public static final Setting<Integer> MAX_CONCURRENT = Setting.integer("http.max-concurrent-requests", 200, 1, 10_000,
            "Requests handled at once; more get 503 with Retry-After.");

    private final PrefixRouter router = new PrefixRouter();
    private volatile Server server;
    private volatile ServerConnector connector;
    private volatile URI configuredUrl;
    private volatile String domain;
    private volatile boolean tls;

    @Override
    public String name() {
        return "http";
    }

    @Override
    public List<Setting<?>> settings() {
        // http.port is a core setting (CoreSettings.HTTP_PORT).
        return List.of(BIND, TLS, PUBLIC_URL, TRUST_FORWARDED, MAX_HEADER_SIZE, IDLE_TIMEOUT, MAX_CONCURRENT);
    }

    /** The route registry other modules mount their handlers in (this module itself). */
    public HttpRoutes routes() {
        return this;
    }

    @Override
    public void start(ModuleContext ctx) throws Exception {
        Config c = ctx.config();
        this.domain = ctx.domain();
        this.tls = c.get(TLS);
        String url = c.get(PUBLIC_URL).trim();
        if (!url.isEmpty()) {
            configuredUrl = parseUrl(url);
        }
        String bind = c.get(BIND).trim();
        if (bind.isEmpty()) {
            bind = c.get(CoreSettings.BIND_ADDRESS);
        }
        int maxConcurrent = c.get(MAX_CONCURRENT);

        QueuedThreadPool threads = new QueuedThreadPool(Math.max(16, Math.min(maxConcurrent + 8, 512)), 4);
        threads.setName("http");
        threads.setDaemon(true);
        Server s = new Server(threads);
        s.setStopAtShutdown(false);

        HttpConfiguration hc = new HttpConfiguration();
        hc.setRequestHeaderSize(c.get(MAX_HEADER_SIZE).intBytes());
        hc.setResponseHeaderSize(16 * 1024);
        hc.setSendServerVersion(false);
        hc.setSendXPoweredBy(false);
        hc.setHttpCompliance(HttpCompliance.RFC9110);
        hc.setUriCompliance(UriCompliance.DEFAULT);
        if (c.get(TRUST_FORWARDED)) {
            hc.addCustomizer(new ForwardedRequestCustomizer());
        }
        HttpConnectionFactory http = new HttpConnectionFactory(hc);
        ServerConnector conn;
        if (tls) {
            SecureRequestCustomizer src = new SecureRequestCustomizer();
            // Certificate name checks are the client's job; the SNI a client sends need not match.
            src.setSniHostCheck(false);
            hc.addCustomizer(src);
            conn = new ServerConnector(s, new SslConnectionFactory(new PolicySslFactory(ctx.tls()), "http/1.1"), http);
        } else {
            conn = new ServerConnector(s, http);
        }
        conn.setHost(bind);
        conn.setPort(c.get(CoreSettings.HTTP_PORT));
        conn.setIdleTimeout(c.get(IDLE_TIMEOUT).toMillis());
        conn.setAcceptQueueSize(128);
        s.addConnector(conn);
        s.setHandler(new ConcurrencyLimit(maxConcurrent, router));
        s.start();
        this.server = s;
        this.connector = conn;
        LOG.info("HTTP{} listening on {}:{}, public URL {}", tls ? "S" : "", bind, conn.getLocalPort(), publicUrl());
        if (!tls) {
            LOG.warn("HTTP on port {} is served without TLS: only behind a reverse proxy that terminates TLS",
                    conn.getLocalPort());
        }
    }

    static URI parseUrl(String url) {
        try {
            URI u = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null
                    || u.getQuery() != null || u.getFragment() != null) {
                throw new ConfigException("http.public-url: expected http(s)://host[:port][/path], got '" + url + "'");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException("http.public-url: not a URL: '" + url + "'");
        }
    }

    /** The bound port (for tests that ask for port 0), or -1 before start. */
    public int port() {
        ServerConnector c = connector;
        return c == null ? -1 : c.getLocalPort();
    }

    @Override
    public URI publicUrl() {
        URI u = configuredUrl;
        if (u != null) {
            return u;
        }
        return URI.create((tls ? "https" : "http") + "://" + domain + ":" + port());
    }

    @Override
    public void mount(String prefix, Handler handler) {
        router.mount(prefix, handler);
        LOG.debug("HTTP route {} mounted", prefix);
    }

    @Override
    public void unmount(String prefix) {
        router.unmount(prefix);
    }

    @Override
    public void stop() {
        Server s = server;
        if (s != null) {
            try {
                s.stop();
            } catch (Exception e) {
                LOG.warn("HTTP server did not stop cleanly: {}", e.toString());
            }
            server = null;
        }
    }

    /** Jetty's TLS factory over the server's own SSLContext and protocol/cipher policy. */
    private static final class PolicySslFactory extends SslContextFactory.Server {
        private final TlsContexts contexts;

        PolicySslFactory(TlsContexts contexts) {
            this.contexts = contexts;
            setSslContext(contexts.context());
            setSniRequired(false);
        }

        @Override
        public void customize(SSLEngine engine) {
            super.customize(engine);
            contexts.configure(engine, false);
        }
    }
}
