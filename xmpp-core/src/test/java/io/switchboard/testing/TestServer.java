package io.switchboard.testing;

import io.switchboard.config.Config;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.CoreSettings;
import io.switchboard.server.XmppServer;
import io.switchboard.store.Storage;
import io.switchboard.store.memory.InMemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * An in-JVM server on free loopback ports with a fresh data directory, for integration tests.
 * Storage defaults to memory; other modules pass their own factory.
 */
public final class TestServer implements AutoCloseable {

    public static final String DOMAIN = "example.test";

    private final XmppServer server;
    private final Path dataDir;
    private final boolean ownsDataDir;

    private TestServer(XmppServer server, Path dataDir, boolean ownsDataDir) {
        this.server = server;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    public static TestServer start() throws IOException {
        return start(Map.of());
    }

    public static TestServer start(Map<String, String> settings) throws IOException {
        return start(settings, c -> new InMemoryStorage());
    }

    public static TestServer start(Map<String, String> settings, Function<Config, Storage> storage) throws IOException {
        return start(settings, storage, java.util.List.of());
    }

    /** With these modules (and their settings known to the configuration). */
    public static TestServer start(Map<String, String> settings, Function<Config, Storage> storage,
                                   java.util.List<io.switchboard.module.ServerModule> modules) throws IOException {
        boolean own = !settings.containsKey("data-dir");
        Path dir = own ? Files.createTempDirectory("switchboard-test") : Path.of(settings.get("data-dir"));
        Map<String, String> values = new HashMap<>();
        values.put("domain", DOMAIN);
        values.put("data-dir", dir.toString());
        values.put("bind-address", "127.0.0.1");
        values.put("c2s.port", "0");
        values.put("c2s.tls-port", "0");
        values.put("storage.mode", "memory");
        values.put("auth.scram-iterations", "4096");
        values.putAll(settings);
        java.util.List<io.switchboard.config.Setting<?>> all = new java.util.ArrayList<>(CoreSettings.all());
        for (var m : modules) {
            all.addAll(m.settings());
        }
        Config config = new ConfigLoader(all).load(values);
        return new TestServer(XmppServer.start(config, storage, modules), dir, own);
    }

    public XmppServer server() {
        return server;
    }

    public int c2sPort() {
        return server.c2sPort();
    }

    public int c2sTlsPort() {
        return server.c2sTlsPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates an account {@code local@example.test}. */
    public void addUser(String local, String password) {
        server.accounts().create(server.accounts().userJid(local), password, false);
    }

    /** Trusts exactly this server's certificate. */
    public X509TrustManager trustManager() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            X509Certificate cert = server.tls().material().certificate();
            ks.setCertificateEntry("server", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            return (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public SSLContext clientSslContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[]{trustManager()}, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        if (ownsDataDir) {
            deleteTree(dataDir);
        }
    }

    /** Deletes a directory tree (test data only). */
    public static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: it is a temporary directory.
        }
    }
}
