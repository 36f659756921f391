package io.switchboard.transport.mina;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.TestServer;
import io.switchboard.transport.Connection;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.ConnectionConfiguration;
import org.jivesoftware.smack.SmackConfiguration;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.c2s.ModularXmppClientToServerConnection;
import org.jivesoftware.smack.c2s.ModularXmppClientToServerConnectionConfiguration;
import org.jivesoftware.smack.tcp.XmppTcpTransportModule;
import org.jivesoftware.smack.tcp.XmppTcpTransportModuleDescriptor;
import org.junit.jupiter.api.Test;

/**
 * The client the stall after TLS was seen with in the interop suite: Smack's non-blocking
 * ("modular") connection. Many concurrent connect-and-disconnect rounds over STARTTLS against the
 * real client stream. Some of these clients stall, in the TLS handshake or waiting for the stream
 * features after it; this test asserts that the server is never the side holding the stream: for
 * every stalled client, its connection on the server has no undecoded input and no queued or
 * unwritten output, and the server has written more bytes than the client has read (what is
 * missing sits unread in the client's socket). The client's own statistics show why: a
 * "rejected channel selected callback" (Smack 4.5.0-beta5 drops a callback when another thread
 * holds its callback lock, and with it the re-arming of the channel's interest operations).
 */
class ModularClientTlsIT {

    private static final int ROUNDS = 48;
    private static final int CONCURRENCY = 6;

    @Test
    void aStalledModularClientIsNeverWaitingOnTheServer() throws Exception {
        SmackConfiguration.addModule(XmppTcpTransportModuleDescriptor.class);
        try (TestServer server = TestServer.start()) {
            List<String> stalls = Collections.synchronizedList(new ArrayList<>());
            List<String> serverSide = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger ok = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int i = 0; i < ROUNDS; i++) {
                    runs.add(pool.submit(() -> {
                        ModularXmppClientToServerConnection c = new ModularXmppClientToServerConnection(
                                ModularXmppClientToServerConnectionConfiguration.builder()
                                        .setXmppDomain(TestServer.DOMAIN)
                                        .setHostAddress(InetAddress.getLoopbackAddress())
                                        .setPort(server.c2sPort())
                                        .setSecurityMode(ConnectionConfiguration.SecurityMode.required)
                                        .setCustomX509TrustManager(server.trustManager())
                                        .build());
                        c.setReplyTimeout(5000);
                        // The client's local port, noted at its state transitions (Smack drops the channel on failure).
                        AtomicInteger port = new AtomicInteger();
                        c.addConnectionStateMachineListener((event, conn) -> {
                            if (port.get() == 0) {
                                port.set(localPort(conn));
                            }
                        });
                        try {
                            c.connect();
                            ok.incrementAndGet();
                        } catch (SmackException.NoResponseException e) {
                            String verdict = judge(server, c, port.get(), e.getMessage());
                            (verdict.startsWith("server holds") ? serverSide : stalls).add(verdict);
                        } finally {
                            c.disconnect();
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
            System.out.println("Modular clients: " + ok.get() + " connected, " + stalls.size()
                    + " stalled with nothing held by the server (or closed before it could be inspected)" + (stalls.isEmpty() ? "" : ":\n  " + String.join("\n  ", stalls)));
            assertThat(serverSide).as("stalls where the server holds input or output").isEmpty();
            assertThat(ok.get()).isPositive();
        }
    }

    /**
     * Where a stalled client's stream stopped; starts with "server" when the server may be the side
     * holding it: input it has not decoded, output it has not written, or bytes of the client it has
     * not read. The client's figures are taken first, so a server that has read more than them has
     * read what the client sent while giving up (its close), which is not a stall.
     */
    private static String judge(TestServer server, ModularXmppClientToServerConnection c, int port, String what) {
        String stats = String.valueOf(c.getStats());
        long clientRead = stat(stats, "recv: ");
        long clientSent = stat(stats, "send: ");
        String client = what + " | client sent " + clientSent + " B, read " + clientRead + " B, TLS out "
                + stat(stats, "wrap-out-bytes: ") + " B, TLS in " + stat(stats, "unwrap-in-bytes: ")
                + " B decoded to " + stat(stats, "unwrap-out-bytes: ") + " B, rejected callbacks "
                + stat(stats, "rejected-channel-selected-callbacks: ");
        for (Connection sc : server.server().context().transport().connections()) {
            if (sc.remoteAddress().getPort() != port) {
                continue;
            }
            String state = TlsHandshakeRaceIT.tlsState(sc);
            if (state.endsWith("no TLS handler")) {
                // The connection is being closed (the client gave up and closed first): nothing left to judge.
                return "undetermined (the connection was closing when it was inspected): " + client + " | server " + state;
            }
            long read;
            long written;
            try {
                read = TlsHandshakeRaceIT.readBytes((MinaConnection) sc);
                written = TlsHandshakeRaceIT.writtenBytes((MinaConnection) sc);
            } catch (ReflectiveOperationException e) {
                return "server holds the stream (its state is unreadable): " + e;
            }
            boolean holds = state.contains("queued writes") && !state.contains("queued writes 0,")
                    || state.contains("undecoded input HeapBuffer") && !state.contains("[pos=0 ")
                    || sc.queuedBytes() > 0 || read < clientSent || written < clientRead;
            return (holds ? "server holds the stream: " : "") + client + " | server " + state;
        }
        // Smack closes its socket when it gives up, so the server may have seen the close already. A client
        // that had read <proceed/> and never wrapped a ClientHello is waiting on itself.
        if (what.contains("TLS handshake to finish") && stat(stats, "wrap-out-bytes: ") == 0) {
            return client + " | server: connection already closed by the client";
        }
        return "undetermined (the client closed its connection before it could be inspected): " + client;
    }

    /** The local port of the client's socket, 0 while it has none. */
    private static int localPort(ModularXmppClientToServerConnection c) {
        try {
            XmppTcpTransportModule tcp = c.getConnectionModuleFor(XmppTcpTransportModuleDescriptor.class);
            Field f = XmppTcpTransportModule.class.getDeclaredField("socketChannel");
            f.setAccessible(true);
            SocketChannel ch = (SocketChannel) f.get(tcp);
            return ch == null || ch.getLocalAddress() == null ? 0 : ((InetSocketAddress) ch.getLocalAddress()).getPort();
        } catch (ReflectiveOperationException | java.io.IOException e) {
            return 0;
        }
    }

    private static long stat(String stats, String key) {
        int at = stats.indexOf(key);
        if (at < 0) {
            return -1;
        }
        int end = at + key.length();
        while (end < stats.length() && Character.isDigit(stats.charAt(end))) {
            end++;
        }
        return Long.parseLong(stats.substring(at + key.length(), end));
    }
}
