package io.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RawClient;
import io.switchboard.xml.XmlElement;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher contract of the distribution, end to end: the server runs as its own process from the
 * built jar and class path, with the embedded PostgreSQL under a fresh data directory; account
 * commands work beside it; SIGTERM gives every session {@code <system-shutdown/>} and exits 0; an
 * offline message stored before the restart is delivered after it.
 */
class LauncherIT {

    private Path dir;
    private Path config;
    private int c2sPort;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("switchboard-launcher");
        c2sPort = freePort();
        config = dir.resolve("switchboard.properties");
        Files.writeString(config, String.join("\n",
                "domain = launcher.test",
                "data-dir = " + dir.resolve("data"),
                "c2s.port = " + c2sPort,
                "c2s.tls-port = " + freePort(),
                "s2s.port = " + freePort(),
                "http.port = " + freePort(),
                "admin.port = " + freePort(),
                ""));
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        // The embedded database outlives the server by design (shared with the commands) only while
        // something uses it; stop it through the same data directory before deleting the files.
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void startStopAndAccountCommandsKeepMessagesAcrossARestart() throws Exception {
        assertThat(command("adduser", "alice@launcher.test", "secret-a")).startsWith("0 Created alice@launcher.test");
        assertThat(command("adduser", "bob@launcher.test", "secret-b", "--admin")).startsWith("0 Created bob@launcher.test");
        assertThat(command("adduser", "bob@launcher.test", "again")).startsWith("1 ").contains("already exists");
        assertThat(command("adduser", "not a jid@@", "x")).startsWith("2 ");
        assertThat(command("status")).contains("not running");

        Server first = start();
        assertThat(command("status")).contains("running").contains("launcher.test").contains("Accounts: 2");
        // Account commands beside the running server (same embedded database).
        assertThat(command("adduser", "carol@launcher.test", "secret-c")).startsWith("0 ");
        assertThat(command("passwd", "carol@launcher.test", "new-secret")).startsWith("0 ");

        try (RawClient alice = RawClient.connect(c2sPort)) {
            alice.loginAndBind(trustServerCertificate(), "launcher.test", "alice", "secret-a", "phone");
            alice.send("<message to='bob@launcher.test' type='chat' id='m1'><body>while you were away</body></message>");
            // A round trip proves the message was handled (stored offline) before we stop the server.
            alice.send("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(alice.element().attr("id")).isEqualTo("p1");
            try (RawClient carol = RawClient.connect(c2sPort)) {
                carol.loginAndBind(trustServerCertificate(), "launcher.test", "carol", "new-secret", "pc");
                first.process.destroy(); // SIGTERM
                assertThat(carol.streamError()).isEqualTo("system-shutdown");
            }
            assertThat(alice.streamError()).isEqualTo("system-shutdown");
        }
        assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.process.exitValue()).isZero();
        assertThat(command("status")).contains("not running");

        Server second = start();
        try (RawClient bob = RawClient.connect(c2sPort)) {
            bob.loginAndBind(trustServerCertificate(), "launcher.test", "bob", "secret-b", "laptop");
            bob.send("<presence/>");
            XmlElement m = bob.element("jabber:client", "message");
            assertThat(m.attr("from")).isEqualTo("alice@launcher.test/phone");
            assertThat(m.child("jabber:client", "body").text()).isEqualTo("while you were away");
            assertThat(m.child("urn:xmpp:delay", "delay")).isNotNull();
        }
        assertThat(command("deluser", "carol@launcher.test")).startsWith("0 Deleted");
        second.process.destroy();
        assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.process.exitValue()).isZero();
    }

    @Test
    void aBadSettingStopsStartUpWithAMessageNamingTheKey() throws Exception {
        Files.writeString(config, "c2s.port = not-a-number\n", java.nio.file.StandardOpenOption.APPEND);
        Process p = process("start");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(output).contains("c2s.port");
    }

    private record Server(Process process) {
    }

    /** Starts the server process and waits for its "serving" line. */
    private Server start() throws IOException, InterruptedException {
        Process p = process("start");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> drain(p.getInputStream(), lines), "server-output");
        reader.setDaemon(true);
        reader.start();
        StringBuilder output = new StringBuilder();
        while (true) {
            String line = lines.poll(120, TimeUnit.SECONDS);
            assertThat(line).as("server output so far:%n%s", output).isNotNull();
            assertThat(line).as("server output:%n%s", output).doesNotStartWith("<EOF>");
            output.append(line).append('\n');
            if (line.startsWith("Switchboard is serving launcher.test")) {
                return new Server(p);
            }
        }
    }

    private static void drain(InputStream in, BlockingQueue<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("<EOF> " + e);
        }
        lines.add("<EOF>");
    }

    private Process process(String... args) throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        String jar;
        try (Stream<Path> s = Files.list(target)) {
            jar = s.filter(f -> f.getFileName().toString().matches("server-.*\\.jar")
                    && !f.getFileName().toString().contains("tests")).findFirst().orElseThrow().toString();
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar + java.io.File.pathSeparator + target.resolve("lib") + "/*", "io.switchboard.app.Main",
                "--config", config.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Runs an account command in this JVM, as the launcher would; returns "exit-code output". */
    private String command(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<String> argv = new ArrayList<>(List.of("--config", config.toString()));
        argv.addAll(List.of(args));
        int code = new Main(ps, ps).run(argv.toArray(String[]::new));
        return code + " " + out.toString(StandardCharsets.UTF_8);
    }

    private SSLContext trustServerCertificate() throws Exception {
        Path cert = dir.resolve("data").resolve("tls").resolve("launcher.test.crt");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            ks.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
