package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.io.File;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interop with a real peer: Debian's Prosody, started from a temporary directory with its own
 * configuration on loopback, serving pros.example. Switchboard (sb.example) reaches it through a static
 * route; Prosody reaches Switchboard through SRV and A records served by a DNS server inside the
 * test ({@link TestDns}), which Prosody's resolver (libunbound) is pointed at by its configuration.
 * Skipped only when Prosody is not installed.
 */
class ProsodyIT {

    static Path dir;
    static Process prosody;
    static TestDns dns;
    static Federation sb;
    /** A second Switchboard with a certificate of the test CA that Prosody trusts, dialback denied. */
    static Federation ca;
    static int prosodyC2s;

    static boolean prosodyInstalled() {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(p, "prosody"))) {
                return true;
            }
        }
        return false;
    }

    /** Prosody resolves through libunbound only with lua-unbound; without it, it never uses the test's DNS server. */
    static boolean luaUnboundInstalled() throws java.io.IOException {
        for (String root : new String[] {"/usr/lib", "/usr/local/lib"}) {
            Path r = Path.of(root);
            if (Files.isDirectory(r)) {
                try (var files = Files.walk(r, 4)) {
                    if (files.anyMatch(f -> f.getFileName().toString().equals("lunbound.so"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(prosodyInstalled(), "prosody is not installed");
        if (!luaUnboundInstalled()) {
            throw new AssertionError("prosody is installed without lua-unbound (Debian package lua-unbound), so it cannot"
                    + " use this test's DNS server and would never connect back; .ci/run installs both");
        }
        dir = Files.createTempDirectory("prosody-it");
        TestCa testCa = new TestCa();
        Path[] pros = TestCa.write(testCa.issue("pros.example"), dir, "pros");
        Path[] caFiles = TestCa.write(testCa.issue("ca.example"), dir, "ca");
        Path trust = testCa.writeTrustStore(dir);
        prosodyC2s = Federation.freePort();
        int prosodyS2s = Federation.freePort();
        int sbS2s = Federation.freePort();
        int caS2s = Federation.freePort();

        dns = new TestDns();
        dns.srv("xmpp-server", "sb.example", "sb.example", sbS2s);
        dns.a("sb.example", "127.0.0.1");
        dns.srv("xmpp-server", "ca.example", "ca.example", caS2s);
        dns.a("ca.example", "127.0.0.1");

        Path data = Files.createDirectories(dir.resolve("data"));
        // internal_plain account for carol@pros.example (Prosody encodes '.' in host directory names).
        Path accounts = Files.createDirectories(data.resolve("pros%2eexample").resolve("accounts"));
        Files.writeString(accounts.resolve("carol.dat"), "return {\n\t[\"password\"] = \"carol-pw\";\n};\n");
        String cfg = String.join("\n",
                "run_as_root = true",
                "pidfile = \"" + dir.resolve("prosody.pid") + "\"",
                "data_path = \"" + data + "\"",
                "interfaces = { \"127.0.0.1\" }",
                "local_interfaces = { \"127.0.0.1\" }",
                "c2s_ports = { " + prosodyC2s + " }",
                "s2s_ports = { " + prosodyS2s + " }",
                "c2s_direct_tls_ports = { }",
                "s2s_direct_tls_ports = { }",
                "http_ports = { }",
                "https_ports = { }",
                "modules_enabled = { \"roster\", \"saslauth\", \"tls\", \"dialback\", \"disco\", \"ping\" }",
                "modules_disabled = { \"admin_socket\" }",
                "authentication = \"internal_plain\"",
                "storage = \"internal\"",
                "s2s_secure_auth = false",
                "s2s_require_encryption = true",
                "c2s_require_encryption = true",
                "unbound = { forward = \"127.0.0.1@" + dns.port() + "\", resolvconf = false, hoststxt = false }",
                "log = { debug = \"" + dir.resolve("prosody.log") + "\" }",
                "VirtualHost \"pros.example\"",
                "  ssl = { certificate = \"" + pros[0] + "\", key = \"" + pros[1] + "\", cafile = \"" + trust + "\" }",
                "");
        Path cfgFile = dir.resolve("prosody.cfg.lua");
        Files.writeString(cfgFile, cfg, StandardCharsets.UTF_8);
        prosody = new ProcessBuilder("prosody", "-F", "--config", cfgFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("prosody.out").toFile()).start();
        awaitPort(prosodyC2s);

        sb = Federation.start("sb.example", sbS2s, Map.of("s2s.static-routes", "pros.example=127.0.0.1:" + prosodyS2s));
        sb.addUser("alice");
        ca = Federation.start("ca.example", caS2s, Map.of("s2s.static-routes", "pros.example=127.0.0.1:" + prosodyS2s,
                "tls.certificate", caFiles[0].toString(), "tls.private-key", caFiles[1].toString(),
                "s2s.trust-store", trust.toString(), "s2s.dialback", "deny"));
        ca.addUser("dave");
    }

    /** Waits until Prosody accepts connections on the port (bounded: 30 s), or it exited. */
    static void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!prosody.isAlive()) {
                throw new AssertionError("prosody exited: " + Files.readString(dir.resolve("prosody.out")));
            }
            try {
                new Socket(InetAddress.getLoopbackAddress(), port).close();
                return;
            } catch (java.io.IOException e) {
                prosody.waitFor(100, TimeUnit.MILLISECONDS);
            }
        }
        throw new AssertionError("prosody did not listen on " + port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sb != null) {
            sb.close();
        }
        if (ca != null) {
            ca.close();
        }
        if (prosody != null) {
            prosody.destroy(); // SIGTERM to this PID
            if (!prosody.waitFor(15, TimeUnit.SECONDS)) {
                prosody.destroyForcibly();
                prosody.waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (dns != null) {
            dns.close();
        }
        if (dir != null) {
            // Prosody's own log, for diagnosis, into this test's output.
            Path log = dir.resolve("prosody.log");
            if (Files.exists(log)) {
                System.out.println("---- prosody.log ----");
                System.out.println(Files.readString(log));
            }
            TestServer.deleteTree(dir);
        }
    }

    static RawClient carol() throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[]{new io.switchboard.tls.AcceptAnyCertificate()}, null);
        RawClient c = RawClient.connect(prosodyC2s).loginAndBind(trustAll, "pros.example", "carol", "carol-pw", "lap");
        c.send("<presence/>");
        return c;
    }

    /** Certificates both ways (SASL EXTERNAL, XEP-0178): ca.example refuses dialback altogether. */
    @Test
    void certificateAuthenticatedMessagesBothWaysWithProsody() throws Exception {
        try (RawClient dave = ca.login("dave", "pc"); RawClient carol = carol()) {
            dave.send("<message type='chat' to='carol@pros.example' id='c1'><body>by certificate</body></message>");
            XmlElement got = carol.element(Ns.CLIENT, "message");
            assertThat(got.attr("from")).isEqualTo("dave@ca.example/pc");
            assertThat(got.childText(Ns.CLIENT, "body")).isEqualTo("by certificate");
            carol.send("<message type='chat' to='dave@ca.example/pc' id='c2'><body>back by certificate</body></message>");
            XmlElement back = dave.element(Ns.CLIENT, "message");
            assertThat(back.attr("from")).isEqualTo("carol@pros.example/lap");
            assertThat(ca.module.inboundDomains()).contains("pros.example");
            assertThat(ca.module.outboundDomains()).contains("pros.example");
        }
    }

    @Test
    void messagesAndSubscriptionsBothWaysWithProsody() throws Exception {
        try (RawClient alice = sb.login("alice", "pc"); RawClient carol = carol()) {
            alice.send("<message type='chat' to='carol@pros.example' id='p1'><body>hello prosody</body></message>");
            XmlElement got = carol.element(Ns.CLIENT, "message");
            assertThat(got.attr("from")).isEqualTo("alice@sb.example/pc");
            assertThat(got.childText(Ns.CLIENT, "body")).isEqualTo("hello prosody");

            carol.send("<message type='chat' to='alice@sb.example/pc' id='p2'><body>hello switchboard</body></message>");
            XmlElement back = alice.element(Ns.CLIENT, "message");
            assertThat(back.attr("from")).isEqualTo("carol@pros.example/lap");
            assertThat(back.childText(Ns.CLIENT, "body")).isEqualTo("hello switchboard");

            alice.send("<presence type='subscribe' to='carol@pros.example'/>");
            assertThat(FederationIT.presence(carol, "subscribe").attr("from")).isEqualTo("alice@sb.example");
            carol.send("<presence type='subscribed' to='alice@sb.example'/>");
            assertThat(FederationIT.presence(alice, "subscribed").attr("from")).isEqualTo("carol@pros.example");
            assertThat(FederationIT.presence(alice, null).attr("from")).isEqualTo("carol@pros.example/lap");

            carol.send("<presence type='subscribe' to='alice@sb.example'/>");
            assertThat(FederationIT.presence(alice, "subscribe").attr("from")).isEqualTo("carol@pros.example");
            alice.send("<presence type='subscribed' to='carol@pros.example'/>");
            // Prosody tells its client of the approval with a roster push (this client asked for no
            // roster); Alice's presence arriving is the proof that the subscription now exists.
            assertThat(FederationIT.presence(carol, null).attr("from")).isEqualTo("alice@sb.example/pc");
        }
    }
}
