package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RawClient;
import io.switchboard.tls.TlsMaterial;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two Switchboard servers in one JVM, a.test and b.test, federating over loopback through static
 * routes: messages and presence subscriptions both ways, with dialback (self-signed certificates)
 * and with certificates of a common CA (SASL EXTERNAL), a refused invalid certificate, and an
 * unreachable domain.
 */
class FederationIT {

    static Map<String, String> routes(int aPort, int bPort) {
        return Map.of("s2s.static-routes", "a.test=127.0.0.1:" + aPort + ",b.test=127.0.0.1:" + bPort);
    }

    static Map<String, String> with(Map<String, String> base, String... kv) {
        var m = new java.util.HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static XmlElement message(RawClient c) throws InterruptedException {
        return c.element(Ns.CLIENT, "message");
    }

    /** The next groupchat message with a body (the room's subject message comes without one). */
    static XmlElement groupchat(RawClient c) throws InterruptedException {
        XmlElement m = message(c);
        while (m.child(Ns.CLIENT, "body") == null) {
            m = message(c);
        }
        return m;
    }

    /** The next presence from {@code from}, skipping others (the client's own, its contacts'). */
    static XmlElement presenceFrom(RawClient c, String from) throws InterruptedException {
        XmlElement p = c.element(Ns.CLIENT, "presence");
        while (!from.equals(p.attr("from"))) {
            p = c.element(Ns.CLIENT, "presence");
        }
        return p;
    }

    static void exchangeMessages(Federation a, Federation b) throws Exception {
        try (RawClient alice = a.login("alice", "pc"); RawClient bob = b.login("bob", "phone")) {
            alice.send("<message type='chat' to='bob@b.test' id='m1'><body>hello b</body></message>");
            XmlElement got = message(bob);
            assertThat(got.attr("from")).isEqualTo("alice@a.test/pc");
            assertThat(got.childText(Ns.CLIENT, "body")).isEqualTo("hello b");
            bob.send("<message type='chat' to='alice@a.test/pc' id='m2'><body>hello a</body></message>");
            XmlElement back = message(alice);
            assertThat(back.attr("from")).isEqualTo("bob@b.test/phone");
            assertThat(back.childText(Ns.CLIENT, "body")).isEqualTo("hello a");
        }
    }

    @Test
    void dialbackPairExchangesMessagesAndSubscriptionsBothWays() throws Exception {
        int ap = Federation.freePort();
        int bp = Federation.freePort();
        try (Federation a = Federation.start("a.test", ap, routes(ap, bp));
             Federation b = Federation.start("b.test", bp, routes(ap, bp))) {
            a.addUser("alice");
            b.addUser("bob");
            exchangeMessages(a, b);
            assertThat(a.module.outboundDomains()).containsExactly("b.test");
            assertThat(b.module.inboundDomains()).contains("a.test");
            assertThat(b.module.outboundDomains()).containsExactly("a.test");

            try (RawClient alice = a.login("alice", "pc"); RawClient bob = b.login("bob", "phone")) {
                // Alice asks for Bob's presence; Bob approves; Alice gets the approval and Bob's presence.
                alice.send("<presence type='subscribe' to='bob@b.test'/>");
                XmlElement req = presence(bob, "subscribe");
                assertThat(req.attr("from")).isEqualTo("alice@a.test");
                bob.send("<presence type='subscribed' to='alice@a.test'/>");
                assertThat(presence(alice, "subscribed").attr("from")).isEqualTo("bob@b.test");
                assertThat(presence(alice, null).attr("from")).isEqualTo("bob@b.test/phone");
                // And the other way.
                bob.send("<presence type='subscribe' to='alice@a.test'/>");
                assertThat(presence(alice, "subscribe").attr("from")).isEqualTo("bob@b.test");
                alice.send("<presence type='subscribed' to='bob@b.test'/>");
                assertThat(presence(bob, "subscribed").attr("from")).isEqualTo("alice@a.test");
                assertThat(presence(bob, null).attr("from")).isEqualTo("alice@a.test/pc");
                // Now a presence change reaches the contact on the other server.
                alice.send("<presence><show>away</show></presence>");
                XmlElement away = presence(bob, null);
                assertThat(away.attr("from")).isEqualTo("alice@a.test/pc");
                assertThat(away.childText(Ns.CLIENT, "show")).isEqualTo("away");
            }
        }
    }

    /**
     * The next presence of this type (null = available), skipping others (the client's own
     * presence is consumed by the first call, which always waits for a typed one).
     */
    static XmlElement presence(RawClient c, String type) throws InterruptedException {
        while (true) {
            XmlElement p = c.element(Ns.CLIENT, "presence");
            if (java.util.Objects.equals(type, p.attr("type")) && p.attr("from") != null) {
                return p;
            }
        }
    }

    @Test
    void aRemoteUserTakesPartInALocalRoom() throws Exception {
        int ap = Federation.freePort();
        int bp = Federation.freePort();
        // The group chat service is a domain of its own: its stream pairs are separate (conference.b.test <-> a.test).
        Map<String, String> routes = Map.of("s2s.static-routes", "a.test=127.0.0.1:" + ap + ",b.test=127.0.0.1:" + bp
                + ",conference.b.test=127.0.0.1:" + bp);
        try (Federation a = Federation.start("a.test", ap, routes);
             Federation b = Federation.start("b.test", bp, routes, true)) {
            a.addUser("alice");
            b.addUser("bob");
            try (RawClient bob = b.login("bob", "phone"); RawClient alice = a.login("alice", "pc")) {
                String muc = "<x xmlns='http://jabber.org/protocol/muc'/>";
                bob.send("<presence to='lounge@conference.b.test/bob'>" + muc + "</presence>");
                assertThat(presenceFrom(bob, "lounge@conference.b.test/bob").toString()).contains("code='201'");
                bob.send("<iq type='set' id='cfg' to='lounge@conference.b.test'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                        + "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
                assertThat(bob.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");

                alice.send("<presence to='lounge@conference.b.test/alice'>" + muc + "</presence>");
                // Alice, across federation: bob's presence, then her own (status 110).
                presenceFrom(alice, "lounge@conference.b.test/bob");
                assertThat(presenceFrom(alice, "lounge@conference.b.test/alice").toString()).contains("code='110'");
                presenceFrom(bob, "lounge@conference.b.test/alice");

                alice.send("<message type='groupchat' to='lounge@conference.b.test' id='g1'><body>hi from a</body></message>");
                XmlElement atBob = groupchat(bob);
                XmlElement atAlice = groupchat(alice);
                assertThat(atBob.attr("from")).isEqualTo("lounge@conference.b.test/alice");
                assertThat(atBob.childText(Ns.CLIENT, "body")).isEqualTo("hi from a");
                assertThat(atAlice.childText(Ns.CLIENT, "body")).isEqualTo("hi from a");
                XmlElement idAtBob = atBob.child("urn:xmpp:sid:0", "stanza-id");
                XmlElement idAtAlice = atAlice.child("urn:xmpp:sid:0", "stanza-id");
                assertThat(idAtBob.attr("id")).isNotEmpty().isEqualTo(idAtAlice.attr("id"));

                bob.send("<message type='groupchat' to='lounge@conference.b.test' id='g2'><body>hi from b</body></message>");
                assertThat(groupchat(alice).childText(Ns.CLIENT, "body")).isEqualTo("hi from b");
            }
        }
    }

    @Test
    void certificatePairAuthenticatesWithSaslExternalWhenDialbackIsDenied() throws Exception {
        Path dir = Files.createTempDirectory("s2s-ca");
        try {
            TestCa ca = new TestCa();
            Path[] aFiles = TestCa.write(ca.issue("a.test"), dir, "a");
            Path[] bFiles = TestCa.write(ca.issue("b.test"), dir, "b");
            Path trust = ca.writeTrustStore(dir);
            int ap = Federation.freePort();
            int bp = Federation.freePort();
            var common = with(routes(ap, bp), "s2s.trust-store", trust.toString(), "s2s.dialback", "deny");
            try (Federation a = Federation.start("a.test", ap, with(common, "tls.certificate", aFiles[0].toString(),
                    "tls.private-key", aFiles[1].toString()));
                 Federation b = Federation.start("b.test", bp, with(common, "tls.certificate", bFiles[0].toString(),
                         "tls.private-key", bFiles[1].toString()))) {
                a.addUser("alice");
                b.addUser("bob");
                exchangeMessages(a, b);
                assertThat(b.module.inboundDomains()).contains("a.test");
                assertThat(a.module.inboundDomains()).contains("b.test");
            }
        } finally {
            io.switchboard.testing.TestServer.deleteTree(dir);
        }
    }

    @Test
    void invalidCertificateIsRefusedWhenThePolicyRequiresValidOnes() throws Exception {
        Path dir = Files.createTempDirectory("s2s-ca");
        try {
            TestCa ca = new TestCa();
            Path trust = ca.writeTrustStore(dir);
            int ap = Federation.freePort();
            int bp = Federation.freePort();
            // a.test has its generated self-signed certificate; b.test accepts only CA-valid ones.
            try (Federation a = Federation.start("a.test", ap, routes(ap, bp));
                 Federation b = Federation.start("b.test", bp, with(routes(ap, bp), "s2s.dialback", "deny",
                         "s2s.trust-store", trust.toString()))) {
                a.addUser("alice");
                b.addUser("bob");
                try (RawClient alice = a.login("alice", "pc"); RawClient bob = b.login("bob", "phone")) {
                    alice.send("<message type='chat' to='bob@b.test' id='x1'><body>let me in</body></message>");
                    XmlElement err = message(alice);
                    assertThat(err.attr("type")).isEqualTo("error");
                    assertThat(err.attr("id")).isEqualTo("x1");
                    assertThat(err.child(Ns.CLIENT, "error").childInNs(Ns.STANZA_ERRORS).local())
                            .isEqualTo("remote-server-not-found");
                    assertThat(b.module.inboundDomains()).isEmpty();
                    // Nothing reached Bob: the next thing he gets is this probe from his own server's user.
                    bob.send("<message type='chat' to='bob@b.test/phone' id='probe'><body>probe</body></message>");
                    assertThat(message(bob).attr("id")).isEqualTo("probe");
                }
            }
        } finally {
            io.switchboard.testing.TestServer.deleteTree(dir);
        }
    }

    @Test
    void srvRecordsLeadToTheDirectTlsPort() throws Exception {
        int ap = Federation.freePort();
        int bp = Federation.freePort();
        try (TestDns dns = new TestDns();
             Federation b = Federation.start("b.test", bp, Map.of("s2s.tls-port", "0",
                     "s2s.static-routes", "a.test=127.0.0.1:" + ap))) {
            // Only a direct TLS record (XEP-0368): a.test must use it.
            dns.srv("xmpps-server", "b.test", "localhost", b.module.tlsPort());
            try (Federation a = Federation.start("a.test", ap, Map.of("s2s.dns-server", "127.0.0.1:" + dns.port()))) {
                a.addUser("alice");
                b.addUser("bob");
                exchangeMessages(a, b);
                assertThat(a.module.outboundDomains()).containsExactly("b.test");
            }
        }
    }

    @Test
    void idleStreamsCloseAndReopenOnDemand() throws Exception {
        int ap = Federation.freePort();
        int bp = Federation.freePort();
        var settings = with(routes(ap, bp), "s2s.idle-timeout", "2s");
        try (Federation a = Federation.start("a.test", ap, settings);
             Federation b = Federation.start("b.test", bp, settings)) {
            a.addUser("alice");
            b.addUser("bob");
            exchangeMessages(a, b);
            // The sweeper closes the unused outbound streams (bounded wait for that state).
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!(a.module.outboundDomains().isEmpty() && b.module.outboundDomains().isEmpty())) {
                assertThat(System.nanoTime()).as("idle streams closed within 30 s").isLessThan(deadline);
                Thread.onSpinWait();
                Thread.yield();
            }
            exchangeMessages(a, b);
        }
    }

    /** Not an assertion on time: prints how long first contact and a burst of messages take. */
    @Test
    void measureFirstContactAndBurst() throws Exception {
        int ap = Federation.freePort();
        int bp = Federation.freePort();
        try (Federation a = Federation.start("a.test", ap, routes(ap, bp));
             Federation b = Federation.start("b.test", bp, routes(ap, bp))) {
            a.addUser("alice");
            b.addUser("bob");
            try (RawClient alice = a.login("alice", "pc"); RawClient bob = b.login("bob", "phone")) {
                long t0 = System.nanoTime();
                alice.send("<message type='chat' to='bob@b.test' id='first'><body>first</body></message>");
                assertThat(message(bob).attr("id")).isEqualTo("first");
                long first = System.nanoTime() - t0;
                int n = 2000;
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    sb.append("<message type='chat' to='bob@b.test' id='m").append(i).append("'><body>burst ")
                            .append(i).append("</body></message>");
                }
                long t1 = System.nanoTime();
                alice.send(sb.toString());
                for (int i = 0; i < n; i++) {
                    assertThat(message(bob).attr("id")).isEqualTo("m" + i);
                }
                long burst = System.nanoTime() - t1;
                System.out.printf("FIGURE s2s first contact (connect, STARTTLS, dialback both ways): %d ms%n",
                        first / 1_000_000);
                System.out.printf("FIGURE s2s burst: %d messages in %d ms (%.0f msg/s), in order%n", n,
                        burst / 1_000_000, n * 1e9 / burst);
            }
        }
    }

    @Test
    void theQueueForAnUnansweringDomainIsBounded() throws Exception {
        int ap = Federation.freePort();
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Federation a = Federation.start("a.test", ap, Map.of("s2s.static-routes",
                     "silent.test=127.0.0.1:" + silent.getLocalPort(), "s2s.connect-timeout", "3s",
                     "s2s.max-queued-stanzas", "2"))) {
            a.addUser("alice");
            try (RawClient alice = a.login("alice", "pc")) {
                for (int i = 1; i <= 3; i++) {
                    alice.send("<message type='chat' to='x@silent.test' id='q" + i + "'><body>" + i + "</body></message>");
                }
                // The third does not fit: refused at once; the two queued ones time out after.
                XmlElement refused = message(alice);
                assertThat(refused.attr("id")).isEqualTo("q3");
                assertThat(refused.child(Ns.CLIENT, "error").childInNs(Ns.STANZA_ERRORS).local())
                        .isEqualTo("resource-constraint");
                for (String id : new String[]{"q1", "q2"}) {
                    XmlElement err = message(alice);
                    assertThat(err.attr("id")).isEqualTo(id);
                    assertThat(err.child(Ns.CLIENT, "error").childInNs(Ns.STANZA_ERRORS).local())
                            .isEqualTo("remote-server-timeout");
                }
            }
        }
    }

    @Test
    void aPerDomainOverrideAllowsDialbackWhereThePolicyDeniesIt() throws Exception {
        int ap = Federation.freePort();
        int bp = Federation.freePort();
        try (Federation a = Federation.start("a.test", ap, routes(ap, bp));
             Federation b = Federation.start("b.test", bp, with(routes(ap, bp), "s2s.dialback", "deny",
                     "s2s.dialback-overrides", "a.test=allow"))) {
            a.addUser("alice");
            b.addUser("bob");
            exchangeMessages(a, b);
            assertThat(b.module.inboundDomains()).contains("a.test");
        }
    }

    @Test
    void unreachableDomainBouncesRemoteServerNotFound() throws Exception {
        int ap = Federation.freePort();
        int dead = Federation.freePort();
        try (Federation a = Federation.start("a.test", ap, Map.of("s2s.static-routes", "gone.test=127.0.0.1:" + dead))) {
            a.addUser("alice");
            try (RawClient alice = a.login("alice", "pc")) {
                alice.send("<message type='chat' to='x@gone.test' id='g1'><body>anyone?</body></message>");
                XmlElement err = message(alice);
                assertThat(err.attr("type")).isEqualTo("error");
                assertThat(err.attr("from")).isEqualTo("x@gone.test");
                assertThat(err.child(Ns.CLIENT, "error").childInNs(Ns.STANZA_ERRORS).local())
                        .isEqualTo("remote-server-not-found");
            }
        }
    }

    @Test
    void silentPeerBouncesRemoteServerTimeout() throws Exception {
        int ap = Federation.freePort();
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Federation a = Federation.start("a.test", ap, Map.of("s2s.static-routes",
                     "silent.test=127.0.0.1:" + silent.getLocalPort(), "s2s.connect-timeout", "2s"))) {
            a.addUser("alice");
            Thread acceptor = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.io.IOException e) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (RawClient alice = a.login("alice", "pc")) {
                alice.send("<message type='chat' to='x@silent.test' id='t1'><body>hello?</body></message>");
                alice.send("<message type='error' to='x@silent.test' id='t2'><error type='cancel'>"
                        + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
                XmlElement err = message(alice);
                assertThat(err.attr("id")).isEqualTo("t1");
                assertThat(err.child(Ns.CLIENT, "error").childInNs(Ns.STANZA_ERRORS).local())
                        .isEqualTo("remote-server-timeout");
                // The error stanza t2 never bounces: the next message is this probe.
                alice.send("<message type='chat' to='alice@a.test/pc' id='probe'><body>probe</body></message>");
                assertThat(message(alice).attr("id")).isEqualTo("probe");
            }
        }
    }
}
