package io.switchboard.transport.mina;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.tls.TlsContexts;
import io.switchboard.tls.TlsMaterial;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionHandler;
import io.switchboard.transport.Listener;
import io.switchboard.transport.ListenerSpec;
import io.switchboard.xml.Ns;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlLimits;
import io.switchboard.xml.XmlStreamException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.filter.ssl.SslHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many concurrent TLS handshakes against the MINA transport by a client built on {@link SSLEngine},
 * which sends its stream header in the same TCP write as its last handshake flight (what Smack's
 * non-blocking client and others do): every connection must get its stream features. Covers STARTTLS
 * and direct TLS, TLS 1.3 and 1.2, full and resumed handshakes, with and without a client certificate
 * (server-to-server streams, where the handshake runs delegated tasks on MINA's executor).
 *
 * <p>A connection that gets no features within {@link #STALL} is reported with the state of the
 * server's TLS handler (undecoded input, queued writes) and of the stream (header seen, features
 * written), which tells where the stream stopped.
 */
class TlsHandshakeRaceIT {

    private static final String DOMAIN = "example.test";
    private static final Duration STALL = Duration.ofSeconds(5);
    private static final int CONNECTIONS = 64;
    private static final int CONCURRENCY = 8;
    /** A run stops after this many stalled connections: the verdict is clear and the time bounded. */
    private static final int MAX_STALLS = 8;

    private static MinaTransport transport;
    private static TlsMaterial serverMaterial;
    private static TlsMaterial clientMaterial;
    private static final Map<String, Integer> ports = new ConcurrentHashMap<>();
    /** Server-side stream state by the client's local port. */
    private static final Map<Integer, Responder> responders = new ConcurrentHashMap<>();
    private static final List<Listener> listeners = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        serverMaterial = TlsMaterial.generate(DOMAIN, List.of(DOMAIN), Duration.ofDays(2));
        clientMaterial = TlsMaterial.generate("peer.test", List.of("peer.test"), Duration.ofDays(2));
        TlsContexts plain = new TlsContexts(serverMaterial, trusting(clientMaterial.certificate()), false);
        TlsContexts clientAuth = new TlsContexts(serverMaterial, trusting(clientMaterial.certificate()), true);
        // Two I/O threads, as on the two-core machines the stall was seen on.
        transport = new MinaTransport(plain, 2, 4);
        for (boolean direct : new boolean[]{false, true}) {
            for (boolean auth : new boolean[]{false, true}) {
                String name = (direct ? "direct" : "starttls") + (auth ? "-cert" : "");
                Listener l = transport.listen(new ListenerSpec(name, "127.0.0.1", 0, direct,
                        XmlLimits.preAuthDefaults(), 0, 0, 1 << 20, Responder::new, auth ? clientAuth : plain));
                listeners.add(l);
                ports.put(name, l.port());
            }
        }
    }

    @AfterAll
    static void stop() {
        listeners.forEach(Listener::close);
        if (transport != null) {
            transport.close();
        }
    }

    @ParameterizedTest(name = "{0} {1} client-cert={2} resumed={3}")
    @CsvSource({
            "starttls, TLSv1.3, false, false",
            "starttls, TLSv1.3, false, true",
            "starttls, TLSv1.2, false, false",
            "starttls, TLSv1.2, false, true",
            "direct, TLSv1.3, false, false",
            "direct, TLSv1.3, false, true",
            "direct, TLSv1.2, false, false",
            "direct, TLSv1.2, false, true",
            "starttls, TLSv1.3, true, false",
            "starttls, TLSv1.2, true, false",
            "direct, TLSv1.3, true, false",
            "direct, TLSv1.2, true, false",
    })
    void everyConnectionGetsItsFeaturesAfterTls(String mode, String protocol, boolean clientCert, boolean resumed)
            throws Exception {
        boolean direct = mode.equals("direct");
        int port = ports.get(mode + (clientCert ? "-cert" : ""));
        SSLContext shared = clientContext(clientCert);
        List<String> stalls = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ok = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                runs.add(pool.submit(() -> {
                    if (stalls.size() >= MAX_STALLS) {
                        return null;
                    }
                    SSLContext ctx = resumed ? shared : clientContext(clientCert);
                    try (EngineClient c = new EngineClient(port, ctx, protocol)) {
                        String result = c.run(direct);
                        if (result == null) {
                            ok.incrementAndGet();
                        } else {
                            stalls.add(result + "; server side: " + serverState(c.localPort()));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(stalls).as("connections without stream features after TLS (%d got them)", ok.get()).isEmpty();
        assertThat(ok.get()).isEqualTo(CONNECTIONS);
    }

    // ------------------------------------------------------------------ server side

    /** The smallest stream logic: header and features, STARTTLS, and a record of what happened. */
    static final class Responder implements ConnectionHandler {
        final Connection conn;
        volatile int opens;
        volatile int securedOpens;
        volatile boolean featuresWritten;

        Responder(Connection conn) {
            this.conn = conn;
            responders.put(conn.remoteAddress().getPort(), this);
        }

        @Override
        public void onOpen() {
        }

        @Override
        public void onStreamOpen(StreamHeader header) {
            opens++;
            boolean secure = conn.isSecure();
            if (secure) {
                securedOpens++;
            }
            conn.writeRaw("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" + Ns.STREAMS
                    + "' from='" + DOMAIN + "' id='s" + opens + "' version='1.0'>");
            conn.writeRaw(secure ? "<stream:features><secured xmlns='urn:test'/></stream:features>"
                    : "<stream:features><starttls xmlns='" + Ns.TLS + "'/></stream:features>");
            featuresWritten = secure;
        }

        @Override
        public void onElement(XmlElement element) {
            if (element.is(Ns.TLS, "starttls")) {
                conn.startTls(XmlElement.empty(Ns.TLS, "proceed"));
            }
        }

        @Override
        public void onStreamClose() {
            conn.close();
        }

        @Override
        public void onParseError(XmlStreamException error) {
            conn.abort();
        }

        @Override
        public void onIdle() {
        }

        @Override
        public void onClosed() {
        }

        @Override
        public boolean pausesInputAfter(XmlElement element) {
            return element.is(Ns.TLS, "starttls");
        }
    }

    /** What the server holds for a stalled connection: the TLS handler's buffers and the stream's progress. */
    private static String serverState(int clientPort) {
        Responder r = responders.get(clientPort);
        StringBuilder b = new StringBuilder();
        if (r == null) {
            return "no connection";
        }
        b.append("stream opens ").append(r.opens).append(" (after TLS ").append(r.securedOpens)
                .append("), features after TLS written ").append(r.featuresWritten).append(", ");
        return b.append(tlsState(r.conn)).toString();
    }

    /** The TLS handler's buffers of a connection: undecoded input, queued and unacknowledged writes. */
    static String tlsState(Connection c) {
        StringBuilder b = new StringBuilder();
        try {
            IoSession session = session(c);
            b.append("read ").append(session.getReadBytes()).append(" B, written ").append(session.getWrittenBytes())
                    .append(" B, scheduled ").append(session.getScheduledWriteBytes()).append(" B; ");
            Object handler = session.getAttribute(attribute(SslFilter.class, "SSL_HANDLER"));
            if (handler == null) {
                return b.append("no TLS handler").toString();
            }
            Object decode = field(SslHandler.class, "mDecodeBuffer").get(handler);
            Collection<?> encode = (Collection<?>) field(SslHandler.class, "mEncodeQueue").get(handler);
            Collection<?> ack = (Collection<?>) field(SslHandler.class, "mAckQueue").get(handler);
            SSLEngine engine = (SSLEngine) field(SslHandler.class, "mEngine").get(handler);
            b.append("TLS handler ").append(handler.getClass().getSimpleName())
                    .append(": undecoded input ").append(decode)
                    .append(", queued writes ").append(encode.size())
                    .append(", unacknowledged writes ").append(ack.size())
                    .append(", engine ").append(engine.getHandshakeStatus());
            b.append("; decoder: paused input ").append(field(MinaConnection.class, "side").get(c))
                    .append(", kept inline ").append(field(MinaConnection.class, "inline").get(c))
                    .append(", events at worker ").append(field(MinaConnection.class, "atWorker").get(c))
                    .append(", read suspended ").append(field(MinaConnection.class, "readSuspended").get(c));
        } catch (ReflectiveOperationException e) {
            b.append("handler state unreadable: ").append(e);
        }
        return b.toString();
    }

    /** Bytes the server has read from the socket of this connection. */
    static long readBytes(MinaConnection c) throws ReflectiveOperationException {
        return session(c).getReadBytes();
    }

    /** Bytes the server has written to the socket of this connection. */
    static long writtenBytes(MinaConnection c) throws ReflectiveOperationException {
        return session(c).getWrittenBytes();
    }

    private static IoSession session(Connection c) throws ReflectiveOperationException {
        Field f = MinaConnection.class.getDeclaredField("session");
        f.setAccessible(true);
        return (IoSession) f.get(c);
    }

    private static Object attribute(Class<?> owner, String name) throws ReflectiveOperationException {
        return field(owner, name).get(null);
    }

    private static Field field(Class<?> owner, String name) throws NoSuchFieldException {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    // ------------------------------------------------------------------ client side

    private static TrustManager[] trusting(X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("peer", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    private static SSLContext clientContext(boolean withCertificate) {
        try {
            if (withCertificate) {
                return new TlsContexts(clientMaterial, trusting(serverMaterial.certificate()), false).context();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trusting(serverMaterial.certificate()), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A client on {@link SSLEngine} over a blocking socket, so that the test decides what goes into
     * each TCP write: the stream header goes out with the client's last handshake flight whenever the
     * protocol allows (TLS 1.3, and resumed TLS 1.2).
     */
    static final class EngineClient implements AutoCloseable {
        private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='"
                + Ns.STREAMS + "' to='" + DOMAIN + "' version='1.0'>";

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final SSLEngine engine;
        private final ByteBuffer netIn = ByteBuffer.allocate(1 << 17);
        private final ByteBuffer appIn = ByteBuffer.allocate(1 << 17);
        private final StringBuilder text = new StringBuilder();
        private final byte[] readBuf = new byte[1 << 16];

        EngineClient(int port, SSLContext ctx, String protocol) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) STALL.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
            engine = ctx.createSSLEngine(DOMAIN, port);
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[]{protocol});
        }

        int localPort() {
            return socket.getLocalPort();
        }

        /** @return null when the features after TLS arrived, otherwise what happened */
        String run(boolean direct) throws IOException {
            try {
                if (!direct) {
                    out.write((HEADER + "<starttls xmlns='" + Ns.TLS + "'/>").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    readPlainUntil("<proceed");
                }
                handshake(HEADER.getBytes(StandardCharsets.UTF_8));
                readTlsUntil("</stream:features>");
                if (!text.toString().contains("<secured")) {
                    return engine.getSession().getProtocol() + ": features without TLS state: " + text;
                }
                return null;
            } catch (SocketTimeoutException e) {
                return engine.getSession().getProtocol() + " (" + engine.getSession().getCipherSuite()
                        + "): no stream features within " + STALL.toSeconds() + " s after the handshake"
                        + "; received: " + text;
            }
        }

        private void readPlainUntil(String marker) throws IOException {
            StringBuilder plain = new StringBuilder();
            while (true) {
                int n = in.read();
                if (n < 0) {
                    throw new IOException("closed before " + marker + ": " + plain);
                }
                plain.append((char) n);
                int at = plain.indexOf(marker);
                if (at >= 0 && plain.indexOf("/>", at) >= 0) {
                    return;
                }
            }
        }

        /** Handshakes; the first application bytes leave with the last handshake flight when possible. */
        private void handshake(byte[] firstData) throws IOException {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            ByteBuffer empty = ByteBuffer.allocate(0);
            engine.beginHandshake();
            while (true) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_WRAP) {
                    ByteBuffer o = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                    SSLEngineResult r = engine.wrap(empty, o);
                    append(pending, o);
                    if (r.getHandshakeStatus() == HandshakeStatus.FINISHED
                            || r.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                        break;
                    }
                } else if (hs == HandshakeStatus.NEED_TASK) {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                } else if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    send(pending);
                    SSLEngineResult r = unwrapSome();
                    if (r != null && (r.getHandshakeStatus() == HandshakeStatus.FINISHED
                            || r.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING)) {
                        break;
                    }
                } else {
                    break;
                }
            }
            // The handshake is over for this side: the stream header goes in the same write as the
            // last flight (if this side sent the last flight).
            ByteBuffer o = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2);
            SSLEngineResult r = engine.wrap(ByteBuffer.wrap(firstData), o);
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() != firstData.length) {
                throw new SSLException("stream header not wrapped: " + r);
            }
            append(pending, o);
            send(pending);
        }

        /** Unwraps one record, reading from the socket when no complete record is buffered. */
        private SSLEngineResult unwrapSome() throws IOException {
            while (true) {
                netIn.flip();
                SSLEngineResult r = engine.unwrap(netIn, appIn);
                netIn.compact();
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                        || (r.bytesConsumed() == 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP)) {
                    fill();
                    continue;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new IOException("TLS closed by the server");
                }
                collectText();
                return r;
            }
        }

        private void readTlsUntil(String marker) throws IOException {
            while (text.indexOf(marker) < 0) {
                SSLEngineResult r = unwrapSome();
                if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                }
            }
        }

        private void fill() throws IOException {
            int n = in.read(readBuf);
            if (n < 0) {
                throw new IOException("closed by the server; received: " + text);
            }
            netIn.put(readBuf, 0, n);
        }

        private void collectText() {
            appIn.flip();
            byte[] b = new byte[appIn.remaining()];
            appIn.get(b);
            appIn.clear();
            text.append(new String(b, StandardCharsets.UTF_8));
        }

        private static void append(ByteArrayOutputStream to, ByteBuffer wrapped) {
            wrapped.flip();
            to.write(wrapped.array(), wrapped.arrayOffset() + wrapped.position(), wrapped.remaining());
        }

        private void send(ByteArrayOutputStream pending) throws IOException {
            if (pending.size() > 0) {
                out.write(pending.toByteArray());
                out.flush();
                pending.reset();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
