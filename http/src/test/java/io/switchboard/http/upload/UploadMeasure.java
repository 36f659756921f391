package io.switchboard.http.upload;

import static io.switchboard.http.HttpFixture.D;

import io.switchboard.http.HttpFixture;
import io.switchboard.http.HttpModule;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.XmlElement;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Loopback figures for docs and reports (not a test: nothing is asserted). Run from the
 * repository root after {@code mvn -pl http -am test-compile}:
 * {@code java -cp <test class path> io.switchboard.http.upload.UploadMeasure}.
 */
public final class UploadMeasure {

    private UploadMeasure() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("switchboard-upload-measure");
        int port = HttpFixture.freePort();
        Map<String, String> s = new HashMap<>(HttpFixture.tlsSettings(dir.resolve("tls")));
        s.put("data-dir", dir.toString());
        s.put("http.port", Integer.toString(port));
        s.put("http.public-url", "https://localhost:" + port);
        s.put("upload.max-file-size", "64MiB");
        s.put("upload.quota-per-user", "0");
        HttpModule http = new HttpModule();
        try (TestServer server = TestServer.start(s, c -> new InMemoryStorage(),
                List.of(http, new UploadModule(http.routes())))) {
            server.addUser("m", "m-pw");
            HttpClient client = HttpFixture.client(server);
            try (RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, "m",
                    "m-pw", "r")) {
                int big = 50 * 1024 * 1024;
                byte[] body = new byte[big];
                new java.util.Random(1).nextBytes(body);
                String url = slot(c, "big", "big.bin", big);
                for (int round = 0; round < 2; round++) {
                    // Round 0 warms the JIT up; round 1 is reported.
                    String u = round == 0 ? url : slot(c, "big2", "big2.bin", big);
                    long t0 = System.nanoTime();
                    int st = client.send(HttpRequest.newBuilder(URI.create(u)).PUT(HttpRequest.BodyPublishers
                            .ofByteArray(body)).header("Content-Type", "application/octet-stream").build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    long t1 = System.nanoTime();
                    HttpResponse<byte[]> g = client.send(HttpRequest.newBuilder(URI.create(u)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    long t2 = System.nanoTime();
                    if (round == 1) {
                        System.out.printf("PUT 50 MiB: %d in %.0f ms (%.0f MiB/s); GET: %d, %d bytes in %.0f ms (%.0f MiB/s)%n",
                                st, (t1 - t0) / 1e6, 50 / ((t1 - t0) / 1e9), g.statusCode(), g.body().length,
                                (t2 - t1) / 1e6, 50 / ((t2 - t1) / 1e9));
                    }
                }
                String small = slot(c, "small", "small.txt", 1024);
                client.send(HttpRequest.newBuilder(URI.create(small)).PUT(HttpRequest.BodyPublishers
                        .ofByteArray(new byte[1024])).header("Content-Type", "application/octet-stream").build(),
                        HttpResponse.BodyHandlers.discarding());
                HttpRequest get = HttpRequest.newBuilder(URI.create(small)).build();
                for (int i = 0; i < 2000; i++) {
                    client.send(get, HttpResponse.BodyHandlers.discarding());
                }
                int n = 5000;
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    client.send(get, HttpResponse.BodyHandlers.discarding());
                }
                long t1 = System.nanoTime();
                System.out.printf("GET 1 KiB, one connection, sequential: %d requests in %.0f ms (%.0f req/s)%n", n,
                        (t1 - t0) / 1e6, n / ((t1 - t0) / 1e9));
                int conc = 16;
                t0 = System.nanoTime();
                List<CompletableFuture<Void>> all = new ArrayList<>();
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(conc);
                for (int w = 0; w < conc; w++) {
                    all.add(CompletableFuture.runAsync(() -> {
                        HttpClient own = HttpFixture.client(server);
                        try {
                            for (int i = 0; i < n / conc; i++) {
                                own.send(get, HttpResponse.BodyHandlers.discarding());
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, pool));
                }
                CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
                pool.shutdown();
                t1 = System.nanoTime();
                System.out.printf("GET 1 KiB, %d clients: %d requests in %.0f ms (%.0f req/s)%n", conc, n / conc * conc,
                        (t1 - t0) / 1e6, (n / conc * conc) / ((t1 - t0) / 1e9));
                long s0 = System.nanoTime();
                for (int i = 0; i < 90; i++) {
                    slot(c, "s" + i, "f" + i + ".txt", 100);
                }
                System.out.printf("Slot requests, one client, sequential: 90 in %.0f ms%n", (System.nanoTime() - s0) / 1e6);
            }
        } finally {
            TestServer.deleteTree(dir);
        }
        System.exit(0);
    }

    static String slot(RawClient c, String id, String name, long size) throws Exception {
        XmlElement r = HttpFixture.iq(c, id, "<iq type='get' id='" + id + "' to='upload." + D + "'><request xmlns='"
                + UploadModule.NS + "' filename='" + name + "' size='" + size + "'/></iq>");
        return r.child(UploadModule.NS, "slot").child(UploadModule.NS, "put").attr("url");
    }
}
