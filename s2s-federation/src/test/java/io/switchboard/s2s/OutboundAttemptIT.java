package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RawClient;
import io.switchboard.transport.Connection;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When an outbound connection becomes its domain's stream, against a fake peer on a loopback
 * socket: a peer that answers before the connector thread sees the connect return, and a connect
 * that completes after the attempt timed out. The module's connect seam holds back the connect's
 * future (or the connect itself) until the test lets it go; the sockets are real.
 */
class OutboundAttemptIT {

    static final String DB = "jabber:server:dialback";

    /** The peer's stream header and features, sent before it reads anything. */
    static String peerGreeting(String from, String to) {
        return "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='" + Ns.STREAMS
                + "' xmlns:db='" + DB + "' from='" + from + "' to='" + to + "' id='peer-stream' version='1.0'>"
                + "<stream:features><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
                + "</stream:features>";
    }

    @Test
    void aPeerAnsweringBeforeTheConnectReturnsGetsTheQueuedVerification() throws Exception {
        int ap = Federation.freePort();
        try (ServerSocket peerPort = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Federation a = Federation.start("a.test", ap, Map.of("s2s.require-tls", "false",
                     "s2s.static-routes", "fast.test=127.0.0.1:" + peerPort.getLocalPort()))) {
            // The connector thread sees the connect return only after the peer has read our first element.
            CompletableFuture<Void> peerRead = new CompletableFuture<>();
            a.module.connectThrough(spec -> {
                CompletableFuture<Connection> real = a.module.context().transport().connect(spec);
                return peerRead.thenCompose(v -> real);
            });
            try {
                // The receiving side of dialback asks fast.test (authoritative) about a key: queued, it opens a stream.
                CompletableFuture<Boolean> answer = new CompletableFuture<>();
                a.module.verifyDialback("a.test", "fast.test", "their-stream", "their-key", answer::complete);
                try (Socket s = peerPort.accept(); RawClient peer = RawClient.accepted(s)) {
                    peer.send(peerGreeting("fast.test", "a.test"));
                    assertThat(peer.header().attr("to")).isEqualTo("fast.test");
                    XmlElement first = peer.element();
                    peerRead.complete(null);
                    // The queued verification goes out as soon as the features allow, before our own dialback key.
                    assertThat(first.name().local()).as("first element from a.test: %s", first).isEqualTo("verify");
                    assertThat(first.name().ns()).isEqualTo(DB);
                    assertThat(first.attr("id")).isEqualTo("their-stream");
                    assertThat(first.text()).isEqualTo("their-key");
                    assertThat(peer.element().is(DB, "result")).isTrue();
                    peer.send("<db:verify from='fast.test' to='a.test' id='their-stream' type='valid'/>");
                    assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
                    // And our own key is accepted: the stream is the domain's authenticated stream.
                    peer.send("<db:result from='fast.test' to='a.test' type='valid'/>");
                    awaitOutbound(a, "fast.test");
                }
            } finally {
                peerRead.complete(null);
            }
        }
    }

    @Test
    void aConnectCompletingAfterTheTimeoutIsClosedAndTheNextAttemptConnects() throws Exception {
        int ap = Federation.freePort();
        try (ServerSocket peerPort = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Federation a = Federation.start("a.test", ap, Map.of("s2s.require-tls", "false",
                     "s2s.connect-timeout", "2s",
                     "s2s.static-routes", "late.test=127.0.0.1:" + peerPort.getLocalPort()))) {
            a.addUser("alice");
            // The first TCP connect starts only once the test lets it; later ones at once.
            CompletableFuture<Void> letConnect = new CompletableFuture<>();
            a.module.connectThrough(spec -> letConnect.thenCompose(v -> a.module.context().transport().connect(spec)));
            try (RawClient alice = a.login("alice", "pc")) {
                alice.send("<message type='chat' to='x@late.test' id='t1'><body>hello?</body></message>");
                XmlElement err = alice.element(Ns.CLIENT, "message");
                assertThat(err.attr("id")).isEqualTo("t1");
                // The attempt's timer or the connector's own deadline, whichever ends it first.
                assertThat(err.child(Ns.CLIENT, "error").childInNs(Ns.STANZA_ERRORS).local())
                        .isIn("remote-server-timeout", "remote-server-not-found");
                // The attempt has failed; now its connect completes.
                letConnect.complete(null);
                try (Socket s = peerPort.accept(); RawClient peer = RawClient.accepted(s)) {
                    RawClient.Event e = peer.next();
                    assertThat(e).as("the late connection is closed without a stream").isInstanceOf(RawClient.Closed.class);
                }
                assertThat(a.module.outboundDomains()).doesNotContain("late.test");
                // A new stanza makes a new attempt, which the stale connection did not take the place of.
                alice.send("<message type='chat' to='x@late.test' id='t2'><body>again</body></message>");
                try (Socket s = peerPort.accept(); RawClient peer = RawClient.accepted(s)) {
                    peer.send(peerGreeting("late.test", "a.test"));
                    assertThat(peer.header().attr("to")).isEqualTo("late.test");
                    assertThat(peer.element().is(DB, "result")).isTrue();
                    peer.send("<db:result from='late.test' to='a.test' type='valid'/>");
                    XmlElement m = peer.element();
                    assertThat(m.attr("id")).isEqualTo("t2");
                    assertThat(m.attr("from")).isEqualTo("alice@a.test/pc");
                }
            } finally {
                letConnect.complete(null);
            }
        }
    }

    /** Bounded wait for the state (the stream reports it on its worker after the peer's answer). */
    static void awaitOutbound(Federation f, String domain) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!f.module.outboundDomains().contains(domain)) {
            assertThat(System.nanoTime()).as("%s authenticated within 10 s", domain).isLessThan(deadline);
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
