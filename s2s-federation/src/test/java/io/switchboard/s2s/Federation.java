package io.switchboard.s2s;

import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.store.memory.InMemoryStorage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One in-JVM Switchboard with federation, for the tests. */
final class Federation implements AutoCloseable {

    final String domain;
    final TestServer server;
    final FederationModule module;

    private Federation(String domain, TestServer server, FederationModule module) {
        this.domain = domain;
        this.server = server;
        this.module = module;
    }

    static Federation start(String domain, int s2sPort, Map<String, String> settings) throws IOException {
        return start(domain, s2sPort, settings, false);
    }

    /** With {@code muc}, the server also hosts group chat at conference.{@code domain}. */
    static Federation start(String domain, int s2sPort, Map<String, String> settings, boolean muc) throws IOException {
        Map<String, String> all = new HashMap<>();
        all.put("domain", domain);
        all.put("s2s.port", String.valueOf(s2sPort));
        all.putAll(settings);
        FederationModule m = new FederationModule();
        List<io.switchboard.module.ServerModule> modules = muc ? List.of(new io.switchboard.muc.MucModule(), m) : List.of(m);
        return new Federation(domain, TestServer.start(all, c -> new InMemoryStorage(), modules), m);
    }

    /** A free loopback port (bound and released). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    void addUser(String local) {
        server.server().accounts().create(server.server().accounts().userJid(local), local + "-pw", false);
    }

    RawClient login(String user, String resource) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), domain, user,
                user + "-pw", resource);
        c.send("<presence/>");
        return c;
    }

    @Override
    public void close() {
        server.close();
    }
}
