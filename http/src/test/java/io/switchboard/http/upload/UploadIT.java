package io.switchboard.http.upload;

import static io.switchboard.http.HttpFixture.D;
import static io.switchboard.http.HttpFixture.get;
import static io.switchboard.http.HttpFixture.iq;
import static io.switchboard.http.HttpFixture.put;
import static io.switchboard.http.HttpFixture.raw;
import static io.switchboard.http.HttpFixture.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.component.ComponentModule;
import io.switchboard.http.HttpFixture;
import io.switchboard.http.HttpModule;
import io.switchboard.stanza.StanzaError;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.Clients;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.httpfileupload.HttpFileUploadManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP File Upload (XEP-0363) end to end: XMPP slot requests, HTTPS PUT and GET, the refusals. */
class UploadIT {

    static final String UPLOAD = "upload." + D;
    static final int MAX = 64 * 1024;
    static final int QUOTA = 100 * 1024;
    static TestServer server;
    static HttpModule http;
    static UploadModule upload;
    static ComponentModule components;
    static HttpFixture.MutableClock clock = new HttpFixture.MutableClock();
    static HttpClient client;
    static Path dataDir;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("switchboard-upload-it");
        port = HttpFixture.freePort();
        Map<String, String> s = new HashMap<>(HttpFixture.tlsSettings(dataDir.resolve("tls")));
        s.put("data-dir", dataDir.toString());
        s.put("http.port", Integer.toString(port));
        s.put("http.public-url", "https://localhost:" + port);
        s.put("upload.max-file-size", MAX / 1024 + "KiB");
        s.put("upload.quota-per-user", QUOTA / 1024 + "KiB");
        s.put("upload.denied-types", "text/html,application/x-msdownload");
        s.put("components", "gateway.example.test=gw");
        s.put("component.port", "0");
        http = new HttpModule();
        upload = new UploadModule(http.routes(), clock, null);
        components = new ComponentModule();
        InMemoryStorage storage = new InMemoryStorage();
        server = TestServer.start(s, c -> storage, List.of(http, upload, components));
        for (String u : new String[]{"alice", "bob", "carol", "dave"}) {
            server.addUser(u, u + "-pw");
        }
        client = HttpFixture.client(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        TestServer.deleteTree(dataDir);
    }

    static RawClient login(String user) throws Exception {
        return RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, user, user + "-pw", "r");
    }

    static XmlElement requestSlot(RawClient c, String id, String filename, long size, String type) throws Exception {
        String attrs = "filename='" + filename + "' size='" + size + "'" + (type == null ? "" : " content-type='" + type + "'");
        return iq(c, id, "<iq type='get' id='" + id + "' to='" + UPLOAD + "'><request xmlns='" + UploadModule.NS + "' "
                + attrs + "/></iq>");
    }

    static String putUrl(XmlElement answer) {
        assertThat(answer.attr("type")).as(answer.toString()).isEqualTo("result");
        return answer.child(UploadModule.NS, "slot").child(UploadModule.NS, "put").attr("url");
    }

    static String getUrl(XmlElement answer) {
        return answer.child(UploadModule.NS, "slot").child(UploadModule.NS, "get").attr("url");
    }

    static StanzaError error(XmlElement answer) {
        assertThat(answer.attr("type")).as(answer.toString()).isEqualTo("error");
        return StanzaError.fromStanza(answer);
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void smackDiscoversTheServiceAndUploadsAFileThatHttpsThenServes() throws Exception {
        XMPPTCPConnection alice = Clients.login(server, "alice", "alice-pw", "smack");
        try {
            HttpFileUploadManager m = HttpFileUploadManager.getInstanceFor(alice);
            assertThat(m.discoverUploadService()).isTrue();
            assertThat(m.getDefaultUploadService().getAddress().toString()).isEqualTo(UPLOAD);
            assertThat(m.getDefaultUploadService().getMaxFileSize()).isEqualTo(MAX);
            m.setTlsContext(server.clientSslContext());
            byte[] content = bytes(20_000, 1);
            Path f = Files.createTempDirectory("up").resolve("holiday report ü.pdf");
            Files.write(f, content);
            URL url = m.uploadFile(f.toFile());
            assertThat(url.toString()).startsWith("https://localhost:" + port + "/upload/")
                    .endsWith("/holiday%20report%20%C3%BC.pdf");
            // The path carries at least 128 random bits.
            String id = url.getPath().split("/")[2];
            assertThat(id).matches("[0-9a-f]{32}");

            HttpResponse<byte[]> r = get(client, url.toString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(content);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(r.headers().firstValue("Content-Length")).hasValue("20000");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=");
            assertThat(r.headers().firstValue("Content-Disposition").orElseThrow())
                    .startsWith("attachment;").contains("filename*=UTF-8''holiday%20report%20%C3%BC.pdf");
            Files.delete(f);
        } finally {
            alice.disconnect();
        }
    }

    @Test
    void aSlotTakesOnePutWithItsTypeAndServesGetHeadAndRanges() throws Exception {
        try (RawClient bob = login("bob")) {
            byte[] png = bytes(5000, 2);
            XmlElement slot = requestSlot(bob, "s1", "cat.png", png.length, "image/png");
            String putUrl = putUrl(slot);
            String getUrl = getUrl(slot);

            // The wrong content type is refused and leaves the slot usable.
            assertThat(put(client, putUrl, "text/plain", png).statusCode()).isEqualTo(415);
            // So is a body of another size than the slot's.
            assertThat(put(client, putUrl, "image/png", bytes(4999, 2)).statusCode()).isEqualTo(400);
            assertThat(put(client, putUrl, "image/png", bytes(5001, 2)).statusCode()).isEqualTo(413);
            // Nothing is served before the upload.
            assertThat(get(client, getUrl).statusCode()).isEqualTo(404);

            assertThat(put(client, putUrl, "image/png", png).statusCode()).isEqualTo(201);
            // A second PUT cannot replace the file.
            assertThat(put(client, putUrl, "image/png", bytes(5000, 3)).statusCode()).isEqualTo(409);

            HttpResponse<byte[]> r = get(client, getUrl);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(png);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
            assertThat(r.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("inline");

            HttpResponse<byte[]> head = HttpFixture.send(client, HttpRequest.newBuilder(URI.create(getUrl))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).hasValue("5000");
            assertThat(head.body()).isEmpty();

            HttpResponse<byte[]> part = HttpFixture.send(client, HttpRequest.newBuilder(URI.create(getUrl))
                    .header("Range", "bytes=100-199"));
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 100-199/5000");
            assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(png, 100, 200));
            HttpResponse<byte[]> tail = HttpFixture.send(client, HttpRequest.newBuilder(URI.create(getUrl))
                    .header("Range", "bytes=-10"));
            assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(png, 4990, 5000));
            HttpResponse<byte[]> beyond = HttpFixture.send(client, HttpRequest.newBuilder(URI.create(getUrl))
                    .header("Range", "bytes=5000-"));
            assertThat(beyond.statusCode()).isEqualTo(416);
            assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */5000");

            // The right id with another file name is not the file.
            String other = getUrl.substring(0, getUrl.lastIndexOf('/') + 1) + "dog.png";
            assertThat(get(client, other).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void tooLargeFilesDeniedTypesAndBadRequestsGetTheXepErrors() throws Exception {
        try (RawClient bob = login("bob")) {
            XmlElement big = requestSlot(bob, "big", "movie.mp4", MAX + 1, "video/mp4");
            StanzaError e = error(big);
            assertThat(e.condition()).isEqualTo("not-acceptable");
            assertThat(e.type()).isEqualTo(StanzaError.Type.MODIFY);
            XmlElement tooLarge = big.child(Ns.CLIENT, "error").child(UploadModule.NS, "file-too-large");
            assertThat(tooLarge.childText(UploadModule.NS, "max-file-size")).isEqualTo(Integer.toString(MAX));

            assertThat(error(requestSlot(bob, "html", "page.html", 10, "text/html")).condition()).isEqualTo("not-acceptable");
            assertThat(error(requestSlot(bob, "html2", "page.html", 10, "Text/HTML; charset=utf-8")).condition())
                    .isEqualTo("not-acceptable");
            assertThat(error(requestSlot(bob, "zero", "a.txt", 0, null)).condition()).isEqualTo("bad-request");
            assertThat(error(requestSlot(bob, "neg", "a.txt", -5, null)).condition()).isEqualTo("bad-request");
            assertThat(error(requestSlot(bob, "nan", "a.txt", 0, "x")).condition()).isEqualTo("bad-request");
            assertThat(error(requestSlot(bob, "slash", "../../etc/passwd", 10, null)).condition()).isEqualTo("bad-request");
            assertThat(error(requestSlot(bob, "dots", "..", 10, null)).condition()).isEqualTo("bad-request");
            assertThat(error(iq(bob, "nofile", "<iq type='get' id='nofile' to='" + UPLOAD + "'><request xmlns='"
                    + UploadModule.NS + "' size='10'/></iq>")).condition()).isEqualTo("bad-request");
            // Something else than a slot request.
            assertThat(error(iq(bob, "other", "<iq type='set' id='other' to='" + UPLOAD + "'><query xmlns='jabber:iq:version'/></iq>"))
                    .condition()).isEqualTo("service-unavailable");
        }
    }

    @Test
    void disco() throws Exception {
        try (RawClient bob = login("bob")) {
            XmlElement items = iq(bob, "items", "<iq type='get' id='items' to='" + D + "'><query xmlns='" + Ns.DISCO_ITEMS + "'/></iq>");
            assertThat(items.child(Ns.DISCO_ITEMS, "query").elements(Ns.DISCO_ITEMS, "item"))
                    .anyMatch(i -> UPLOAD.equals(i.attr("jid")));
            XmlElement info = iq(bob, "info", "<iq type='get' id='info' to='" + UPLOAD + "'><query xmlns='" + Ns.DISCO_INFO + "'/></iq>");
            XmlElement q = info.child(Ns.DISCO_INFO, "query");
            assertThat(q.elements(Ns.DISCO_INFO, "feature")).anyMatch(f -> UploadModule.NS.equals(f.attr("var")));
            assertThat(q.child(Ns.DISCO_INFO, "identity").attr("category")).isEqualTo("store");
            XmlElement form = q.child(Ns.DATA_FORMS, "x");
            assertThat(form.elements(Ns.DATA_FORMS, "field")).anyMatch(f -> "max-file-size".equals(f.attr("var"))
                    && Integer.toString(MAX).equals(f.childText(Ns.DATA_FORMS, "value")));
        }
    }

    @Test
    void theQuotaCountsStoredFilesAndPendingSlots() throws Exception {
        try (RawClient carol = login("carol")) {
            int forty = 40 * 1024;
            XmlElement a = requestSlot(carol, "q1", "a.bin", forty, null);
            XmlElement b = requestSlot(carol, "q2", "b.bin", forty, null);
            // 80 KiB reserved: 40 more would pass the 100 KiB quota.
            StanzaError e = error(requestSlot(carol, "q3", "c.bin", forty, null));
            assertThat(e.condition()).isEqualTo("resource-constraint");
            assertThat(e.type()).isEqualTo(StanzaError.Type.WAIT);
            assertThat(put(client, putUrl(a), null, bytes(forty, 4)).statusCode()).isEqualTo(201);
            assertThat(put(client, putUrl(b), "application/octet-stream", bytes(forty, 5)).statusCode()).isEqualTo(201);
            assertThat(upload.store().usage("carol@" + D)).isEqualTo(2L * forty);
            assertThat(error(requestSlot(carol, "q4", "d.bin", forty, null)).condition()).isEqualTo("resource-constraint");
            // What still fits is granted.
            assertThat(requestSlot(carol, "q5", "e.bin", 20 * 1024, null).attr("type")).isEqualTo("result");
        }
    }

    @Test
    void anExpiredSlotTakesNoUpload() throws Exception {
        try (RawClient dave = login("dave")) {
            XmlElement slot = requestSlot(dave, "x1", "late.txt", 3, "text/plain");
            clock.advance(Duration.ofMinutes(6));
            HttpResponse<byte[]> r = put(client, putUrl(slot), "text/plain", "abc".getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(get(client, getUrl(slot)).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void usersOfOtherDomainsGetForbidden() throws Exception {
        try (RawClient gw = RawClient.connect(components.port())) {
            gw.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='" + Ns.STREAMS
                    + "' to='gateway.example.test'>");
            String id = gw.header().attr("id");
            byte[] d = MessageDigest.getInstance("SHA-1").digest((id + "gw").getBytes(StandardCharsets.UTF_8));
            gw.send("<handshake>" + HexFormat.of().formatHex(d) + "</handshake>");
            assertThat(gw.element().local()).isEqualTo("handshake");
            gw.send("<iq type='get' id='remote' from='someone@gateway.example.test' to='" + UPLOAD + "'><request xmlns='"
                    + UploadModule.NS + "' filename='x.txt' size='10'/></iq>");
            XmlElement answer = gw.element(Ns.CLIENT, "iq");
            assertThat(answer.attr("id")).isEqualTo("remote");
            assertThat(error(answer).condition()).isEqualTo("forbidden");
        }
    }

    @Test
    void unknownSlotsAndMethodsAreRefused() throws Exception {
        String unknown = "https://localhost:" + port + "/upload/" + "0123456789abcdef0123456789abcdef/x.txt";
        assertThat(put(client, unknown, "text/plain", new byte[]{1}).statusCode()).isEqualTo(404);
        assertThat(get(client, unknown).statusCode()).isEqualTo(404);
        assertThat(get(client, "https://localhost:" + port + "/upload/").statusCode()).isEqualTo(404);
        assertThat(get(client, "https://localhost:" + port + "/elsewhere").statusCode()).isEqualTo(404);
        assertThat(HttpFixture.send(client, HttpRequest.newBuilder(URI.create(unknown))
                .method("DELETE", HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(405);
    }

    @Test
    void pathTraversalReachesNothingOutsideTheStore() throws Exception {
        Path canary = dataDir.resolve("canary.txt");
        Files.writeString(canary, "CANARY-SECRET");
        // A real file, so that paths built from its id are tried too.
        String id;
        try (RawClient bob = login("bob")) {
            XmlElement slot = requestSlot(bob, "t1", "t.txt", 2, "text/plain");
            assertThat(put(client, putUrl(slot), "text/plain", "ok".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
            id = URI.create(getUrl(slot)).getPath().split("/")[2];
        }
        List<String> paths = List.of(
                "/upload/../canary.txt",
                "/upload/../../canary.txt",
                "/upload/%2e%2e/canary.txt",
                "/upload/%2e%2e/%2e%2e/canary.txt",
                "/upload/..%2fcanary.txt",
                "/upload/..%2f..%2fcanary.txt",
                "/upload/" + id + "/..%2f..%2f..%2f..%2fcanary.txt",
                "/upload/" + id + "/../../../../canary.txt",
                "/upload/" + id + "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fcanary.txt",
                "/upload/..%5c..%5ccanary.txt",
                "/upload/%252e%252e/canary.txt",
                "/upload/" + id.substring(0, 2) + "/" + id,
                "/upload/" + id + ".meta/t.txt",
                "/upload/" + id + "/t.txt%00.png",
                "/upload/" + id + "/t.txt/..",
                "/upload/files/" + id.substring(0, 2) + "/" + id,
                "//upload/../canary.txt",
                "/upload/" + id + "/%2e%2e",
                "/upload/.%2e/canary.txt");
        for (String p : paths) {
            for (String method : List.of("GET", "PUT")) {
                String head = method + " " + p + " HTTP/1.1\r\n" + (method.equals("PUT") ? "Content-Length: 0\r\n" : "");
                String resp = raw(server.clientSslContext(), port, head);
                assertThat(status(resp)).as(method + " " + p).isIn(400, 404);
                assertThat(resp).as(method + " " + p).doesNotContain("CANARY");
            }
        }
        assertThat(Files.readString(canary)).isEqualTo("CANARY-SECRET");
        // The real file is still served at its own URL.
        String ok = raw(server.clientSslContext(), port, "GET /upload/" + id + "/t.txt HTTP/1.1\r\n");
        assertThat(status(ok)).isEqualTo(200);
        assertThat(ok).endsWith("\r\n\r\nok");
    }

    @Test
    void httpsFollowsTheServersTlsPolicy() throws Exception {
        javax.net.ssl.SSLSocketFactory f = server.clientSslContext().getSocketFactory();
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) f.createSocket("127.0.0.1", port)) {
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        // A CBC suite (outside the server's policy) is refused.
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) f.createSocket("127.0.0.1", port)) {
            s.setEnabledProtocols(new String[]{"TLSv1.2"});
            s.setEnabledCipherSuites(new String[]{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
            org.assertj.core.api.Assertions.assertThatThrownBy(s::startHandshake)
                    .isInstanceOf(javax.net.ssl.SSLException.class);
        }
    }

    @Test
    void twoRacingPutsStoreOneFile() throws Exception {
        try (RawClient bob = login("bob")) {
            byte[] a = bytes(30_000, 10);
            byte[] b = bytes(30_000, 11);
            String url = putUrl(requestSlot(bob, "race", "race.bin", a.length, null));
            HttpClient other = HttpFixture.client(server);
            var fa = client.sendAsync(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(a))
                    .build(), HttpResponse.BodyHandlers.discarding());
            var fb = other.sendAsync(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(b))
                    .build(), HttpResponse.BodyHandlers.discarding());
            List<Integer> codes = List.of(fa.get().statusCode(), fb.get().statusCode());
            assertThat(codes).containsExactlyInAnyOrder(201, 409);
            byte[] stored = get(client, url).body();
            assertThat(stored).isEqualTo(codes.get(0) == 201 ? a : b);
        }
    }

    @Test
    void aPutWithoutContentLengthGets411() throws Exception {
        try (RawClient bob = login("bob")) {
            String url = putUrl(requestSlot(bob, "chunked", "c.bin", 5, null));
            String path = URI.create(url).getRawPath();
            String resp = raw(server.clientSslContext(), port, "PUT " + path + " HTTP/1.1\r\n"
                    + "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n");
            assertThat(status(resp)).isEqualTo(411);
            // The slot is still there for a proper upload.
            assertThat(put(client, url, null, bytes(5, 12)).statusCode()).isEqualTo(201);
        }
    }
}
