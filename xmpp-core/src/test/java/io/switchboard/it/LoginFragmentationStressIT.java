package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.store.ScramHash;
import io.switchboard.testing.ScramClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many concurrent logins the way Smack does them (header, STARTTLS, SCRAM-SHA-1 with a challenge, the
 * restart after {@code <success/>}, bind, stream management, a few stanzas, close), by a client on
 * {@link SSLEngine} that cuts what it writes at random byte positions, into TLS records and into TCP
 * writes independently (inside the stream header too), with small random pauses between writes, and
 * that sometimes puts in one write what a client may send together: the header with
 * {@code <starttls/>}, the header after TLS with the last handshake flight (and with {@code <auth/>}),
 * the last SASL step with the restart header and the bind request (kept unparsed by the server until
 * it has answered {@code <success/>}), the header after {@code <success/>} with the bind request, bind
 * with {@code <enable/>}, the first stanzas together. Every login must end cleanly: no stream error,
 * no stall. A failure names the seed of its login and what each side sent.
 *
 * <p>Written while looking for the cause of an interop run's {@code invalid-namespace} at login
 * (LowLevelRosterIntegrationTest); it guards the decoder's pause, kept-aside input and restarts.
 * {@code -Dstress.logins=N} and {@code -Dstress.seed=S} change the run.
 */
class LoginFragmentationStressIT {

    private static final String D = TestServer.DOMAIN;
    private static final int USERS = 32;
    private static final int LOGINS = Integer.getInteger("stress.logins", 320);
    private static final int CONCURRENCY = 16;
    private static final int READ_TIMEOUT_MS = 10_000;

    private static TestServer server;
    private static SSLContext tls;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("c2s.max-unauthenticated-per-ip", "1000"));
        for (int i = 0; i < USERS; i++) {
            server.addUser("u" + i, "pw" + i);
        }
        tls = server.clientSslContext();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyFragmentedLoginCompletes() throws Exception {
        long master = Long.getLong("stress.seed", System.nanoTime());
        Random seeds = new Random(master);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ok = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < LOGINS; i++) {
                int n = i;
                long seed = seeds.nextLong();
                runs.add(pool.submit(() -> {
                    if (failures.size() >= 5) {
                        return null;
                    }
                    try (Login l = new Login(seed, n)) {
                        l.run();
                        ok.incrementAndGet();
                    } catch (Throwable t) {
                        failures.add("login " + n + " (seed " + seed + ", master seed " + master + "): " + t);
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
        assertThat(failures).as("failed logins (%d completed)", ok.get()).isEmpty();
        assertThat(ok.get()).isEqualTo(LOGINS);
    }

    /** One login over one connection, its fragmentation chosen by its seed. */
    private static final class Login implements AutoCloseable {
        private final Random rnd;
        private final String user;
        private final String password;
        private final String resource;
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private SSLEngine engine;
        private final ByteBuffer netIn = ByteBuffer.allocate(1 << 17);
        private final ByteBuffer appIn = ByteBuffer.allocate(1 << 17);
        private final byte[] readBuf = new byte[1 << 16];
        /** Everything the server sent, as text; {@link #at} is where the next expected thing is looked for. */
        private final StringBuilder text = new StringBuilder();
        private int at;
        /** What this client wrote, for the failure message. */
        private final StringBuilder sent = new StringBuilder();

        Login(long seed, int n) throws IOException {
            this.rnd = new Random(seed);
            int u = n % USERS;
            this.user = "u" + u;
            this.password = "pw" + u;
            this.resource = "r" + n;
            socket = new Socket(InetAddress.getLoopbackAddress(), server.c2sPort());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        private String header() {
            return (rnd.nextBoolean() ? "<?xml version='1.0' encoding='UTF-8'?>" : "")
                    + "<stream:stream xmlns='jabber:client' to='" + D + "' xmlns:stream='" + Ns.STREAMS
                    + "' version='1.0' xml:lang='en'" + (rnd.nextBoolean() ? " from='" + user + "@" + D + "'" : "")
                    + ">";
        }

        void run() throws Exception {
            try {
                negotiate();
            } catch (AssertionError | IOException | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n  client sent: " + sent + "\n  server sent: " + text, e);
            }
        }

        private void negotiate() throws Exception {
            // Plaintext: header, features, STARTTLS (pipelined with the header now and then).
            if (rnd.nextInt(4) == 0) {
                send(null, header(), "<starttls xmlns='" + Ns.TLS + "'/>");
                expect("</stream:features>");
            } else {
                send(null, header());
                expect("</stream:features>");
                send(null, "<starttls xmlns='" + Ns.TLS + "'/>");
            }
            expect("<proceed");
            expect("/>");

            // TLS; the header leaves with the last handshake flight or on its own.
            text.setLength(0);
            at = 0;
            engine = tls.createSSLEngine(D, server.c2sPort());
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[]{rnd.nextBoolean() ? "TLSv1.3" : "TLSv1.2"});
            ScramClient scram = new ScramClient(ScramHash.SHA_1, "n,,", null, user, password);
            String auth = "<auth xmlns='" + Ns.SASL + "' mechanism='SCRAM-SHA-1'>" + scram.first() + "</auth>";
            ByteArrayOutputStream handshakeTail = handshake();
            int mode = rnd.nextInt(3);
            if (mode == 0) {
                send(handshakeTail, header());
                expect("</stream:features>");
                send(null, auth);
            } else if (mode == 1) {
                writeRandomly(handshakeTail.toByteArray());
                send(null, header());
                expect("</stream:features>");
                send(null, auth);
            } else {
                // Pipelined: the client remembers the mechanisms from an earlier connection.
                send(handshakeTail, header(), auth);
                expect("</stream:features>");
            }
            String challenge = between("<challenge", ">", "</challenge>");
            String response = "<response xmlns='" + Ns.SASL + "'>" + scram.last(challenge) + "</response>";

            // Restart, bind, stream management, a few stanzas, close.
            String bind = "<iq type='set' id='bind-1'><bind xmlns='" + Ns.BIND + "'><resource>" + resource
                    + "</resource></bind></iq>";
            String enable = "<enable xmlns='urn:xmpp:sm:3' resume='true'/>";
            String presence = "<presence><priority>1</priority></presence>";
            String message = "<message to='" + user + "@" + D + "/" + resource + "' type='chat' id='m1'><body>hi "
                    + resource + "</body></message>";
            String ping = "<iq type='get' id='ping-1' to='" + D + "'><ping xmlns='urn:xmpp:ping'/></iq>";
            String request = "<r xmlns='urn:xmpp:sm:3'/>";
            int restart = rnd.nextInt(8);
            if (restart == 0) {
                // Optimistic: the restart (and the bind request) leave with the last SASL step; the server
                // keeps them unparsed until it has answered with <success/>.
                send(null, response, header(), bind);
                expectSuccess(scram);
                expect("</stream:features>");
                expect("id='bind-1'");
                send(null, enable);
            } else {
                send(null, response);
                expectSuccess(scram);
                if (restart < 5) {
                    send(null, header());
                    expect("</stream:features>");
                    if (rnd.nextBoolean()) {
                        send(null, bind);
                        expect("id='bind-1'");
                        send(null, enable);
                    } else {
                        send(null, bind, enable);
                        expect("id='bind-1'");
                    }
                } else {
                    send(null, header(), bind);
                    expect("</stream:features>");
                    expect("id='bind-1'");
                    send(null, enable);
                }
            }
            expect("<enabled");
            if (rnd.nextBoolean()) {
                send(null, presence, message, ping, request);
            } else {
                send(null, presence);
                send(null, message, ping);
                send(null, request);
            }
            expectAll("hi " + resource, "id='ping-1'", "<a ");
            send(null, "</stream:stream>");
            expect("</stream:stream>");
        }

        private void expectSuccess(ScramClient scram) throws IOException {
            String success = between("<success", ">", "</success>");
            if (!scram.verifyServer(success)) {
                throw new AssertionError("wrong server signature in <success/>");
            }
        }

        // ------------------------------------------------------------ writing

        /**
         * Sends {@code parts} (one write's worth of XML) after {@code before} (raw bytes already wrapped,
         * such as the last handshake flight): cut at random into TLS records, then the bytes on the wire
         * cut at random into TCP writes, with small random pauses between the writes.
         */
        private void send(ByteArrayOutputStream before, String... parts) throws IOException {
            StringBuilder all = new StringBuilder();
            for (String p : parts) {
                all.append(p);
            }
            sent.append(all).append(" | ");
            byte[] data = all.toString().getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream wire = before != null ? before : new ByteArrayOutputStream();
            if (engine == null) {
                wire.write(data, 0, data.length);
            } else {
                for (int[] r : cuts(data.length, rnd.nextInt(4))) {
                    wrap(ByteBuffer.wrap(data, r[0], r[1] - r[0]), wire);
                }
            }
            byte[] bytes = wire.toByteArray();
            List<int[]> writes = cuts(bytes.length, rnd.nextInt(5));
            for (int i = 0; i < writes.size(); i++) {
                int[] w = writes.get(i);
                out.write(bytes, w[0], w[1] - w[0]);
                out.flush();
                if (i + 1 < writes.size() && rnd.nextBoolean()) {
                    LockSupport.parkNanos(rnd.nextInt(300_000));
                }
            }
        }

        /** {@code [from, to)} ranges covering {@code 0..len} with up to {@code n} random cuts. */
        private List<int[]> cuts(int len, int n) {
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < n && len > 1; i++) {
                at.add(1 + rnd.nextInt(len - 1));
            }
            Collections.sort(at);
            List<int[]> out = new ArrayList<>();
            int from = 0;
            for (int c : at) {
                if (c > from) {
                    out.add(new int[]{from, c});
                    from = c;
                }
            }
            out.add(new int[]{from, len});
            return out;
        }

        private void wrap(ByteBuffer src, ByteArrayOutputStream to) throws SSLException {
            while (src.hasRemaining()) {
                ByteBuffer o = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                SSLEngineResult r = engine.wrap(src, o);
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("wrap: " + r);
                }
                o.flip();
                to.write(o.array(), 0, o.limit());
            }
        }

        /** The TLS handshake; returns what this side must still send of it (its last flight), unsent. */
        private ByteArrayOutputStream handshake() throws IOException {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            ByteBuffer empty = ByteBuffer.allocate(0);
            engine.beginHandshake();
            while (true) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_WRAP) {
                    ByteBuffer o = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                    SSLEngineResult r = engine.wrap(empty, o);
                    o.flip();
                    pending.write(o.array(), 0, o.limit());
                    if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                        return pending;
                    }
                } else if (hs == HandshakeStatus.NEED_TASK) {
                    runTasks();
                } else if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    if (pending.size() > 0) {
                        writeRandomly(pending.toByteArray());
                        pending.reset();
                    }
                    SSLEngineResult r = unwrapOne();
                    if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                        return pending;
                    }
                } else {
                    return pending;
                }
            }
        }

        private void writeRandomly(byte[] bytes) throws IOException {
            for (int[] w : cuts(bytes.length, rnd.nextInt(3))) {
                out.write(bytes, w[0], w[1] - w[0]);
                out.flush();
            }
        }

        private void runTasks() {
            Runnable t;
            while ((t = engine.getDelegatedTask()) != null) {
                t.run();
            }
        }

        // ------------------------------------------------------------ reading

        /** Unwraps one record (reading as needed); decoded application data goes to {@link #text}. */
        private SSLEngineResult unwrapOne() throws IOException {
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
                appIn.flip();
                text.append(StandardCharsets.UTF_8.decode(appIn));
                appIn.clear();
                if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                return r;
            }
        }

        private void fill() throws IOException {
            netIn.put(readBuf, 0, readSocket());
        }

        /** One read from the socket into {@code readBuf}: the byte count, never 0 or less. */
        private int readSocket() throws IOException {
            int n;
            try {
                n = in.read(readBuf);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("nothing from the server within " + READ_TIMEOUT_MS + " ms");
            }
            if (n < 0) {
                throw new IOException("connection closed by the server");
            }
            return n;
        }

        /** Reads until {@code marker} arrives after what was already expected; fails on a stream error. */
        private void expect(String marker) throws IOException {
            while (true) {
                int i = text.indexOf(marker, at);
                checkNoStreamError();
                if (i >= 0) {
                    at = i + marker.length();
                    return;
                }
                readMore();
            }
        }

        /** Reads until every marker has arrived after what was already expected, in any order. */
        private void expectAll(String... markers) throws IOException {
            while (true) {
                checkNoStreamError();
                int end = at;
                boolean all = true;
                for (String m : markers) {
                    int i = text.indexOf(m, at);
                    if (i < 0) {
                        all = false;
                        break;
                    }
                    end = Math.max(end, i + m.length());
                }
                if (all) {
                    at = end;
                    return;
                }
                readMore();
            }
        }

        private void checkNoStreamError() {
            int i = text.indexOf("<stream:error");
            if (i >= 0) {
                int end = text.indexOf("</stream:error>", i);
                throw new AssertionError("stream error: " + text.substring(i, end < 0 ? text.length() : end));
            }
        }

        private void readMore() throws IOException {
            if (engine == null) {
                int n = readSocket();
                text.append(new String(readBuf, 0, n, StandardCharsets.UTF_8));
            } else {
                unwrapOne();
            }
        }

        /** The text of the element that starts with {@code start}, after its start tag's {@code open}. */
        private String between(String start, String open, String end) throws IOException {
            expect(start);
            expect(open);
            int from = at;
            expect(end);
            return text.substring(from, at - end.length());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
