package io.switchboard.http.upload;

import static io.switchboard.http.HttpFixture.D;
import static io.switchboard.http.HttpFixture.get;
import static io.switchboard.http.HttpFixture.iq;
import static io.switchboard.http.HttpFixture.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.http.HttpFixture;
import io.switchboard.http.HttpModule;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.XmlElement;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Files and per-user usage across restarts, and the expiry of old files. */
class UploadLifecycleIT {

    static final String UPLOAD = "upload." + D;
    Path dataDir;
    int port;
    HttpFixture.MutableClock clock = new HttpFixture.MutableClock();
    TestServer server;
    UploadModule upload;

    @BeforeEach
    void dirs() throws Exception {
        dataDir = Files.createTempDirectory("switchboard-upload-life");
        port = HttpFixture.freePort();
    }

    @AfterEach
    void cleanup() {
        if (server != null) {
            server.close();
        }
        TestServer.deleteTree(dataDir);
    }

    /** A server on the same data directory and port each time, with fresh in-memory accounts. */
    void startServer() throws Exception {
        Map<String, String> s = new HashMap<>(HttpFixture.tlsSettings(dataDir.resolve("tls")));
        s.put("data-dir", dataDir.toString());
        s.put("http.port", Integer.toString(port));
        s.put("http.public-url", "https://localhost:" + port);
        s.put("upload.quota-per-user", "100KiB");
        s.put("upload.expire-after", "7d");
        HttpModule http = new HttpModule();
        upload = new UploadModule(http.routes(), clock, null);
        server = TestServer.start(s, c -> new InMemoryStorage(), List.of(http, upload));
        server.addUser("erin", "erin-pw");
    }

    XmlElement slot(String id, String name, long size) throws Exception {
        try (RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, "erin",
                "erin-pw", "r")) {
            return iq(c, id, "<iq type='get' id='" + id + "' to='" + UPLOAD + "'><request xmlns='" + UploadModule.NS
                    + "' filename='" + name + "' size='" + size + "'/></iq>");
        }
    }

    static String url(XmlElement answer, String which) {
        assertThat(answer.attr("type")).as(answer.toString()).isEqualTo("result");
        return answer.child(UploadModule.NS, "slot").child(UploadModule.NS, which).attr("url");
    }

    @Test
    void aRestartKeepsFilesAndTheirUsage() throws Exception {
        byte[] content = new byte[60 * 1024];
        new Random(7).nextBytes(content);
        startServer();
        HttpClient client = HttpFixture.client(server);
        XmlElement first = slot("a", "keep.bin", content.length);
        assertThat(put(client, url(first, "put"), null, content).statusCode()).isEqualTo(201);
        String getUrl = url(first, "get");
        server.close();
        server = null;

        startServer();
        client = HttpFixture.client(server);
        HttpResponse<byte[]> r = get(client, getUrl);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(content);
        // 60 KiB of the 100 KiB quota are still used after the restart.
        assertThat(upload.store().usage("erin@" + D)).isEqualTo(content.length);
        XmlElement refused = slot("b", "more.bin", 50 * 1024);
        assertThat(refused.attr("type")).isEqualTo("error");
        assertThat(refused.toString()).contains("resource-constraint");
        assertThat(slot("c", "fits.bin", 40 * 1024).attr("type")).isEqualTo("result");
    }

    @Test
    void oldFilesExpireAndFreeTheirQuota() throws Exception {
        startServer();
        HttpClient client = HttpFixture.client(server);
        XmlElement old = slot("o", "old.bin", 90 * 1024);
        assertThat(put(client, url(old, "put"), null, new byte[90 * 1024]).statusCode()).isEqualTo(201);
        clock.advance(Duration.ofDays(3));
        XmlElement recent = slot("r", "recent.bin", 5 * 1024);
        assertThat(put(client, url(recent, "put"), null, new byte[5 * 1024]).statusCode()).isEqualTo(201);
        assertThat(slot("full", "x.bin", 50 * 1024).attr("type")).isEqualTo("error");

        clock.advance(Duration.ofDays(5));
        // What the periodic task runs: now − upload.expire-after (7 days) is between the two uploads.
        assertThat(upload.purge(clock.instant().minus(Duration.ofDays(7)))).isEqualTo(1);
        assertThat(get(client, url(old, "get")).statusCode()).isEqualTo(404);
        assertThat(get(client, url(recent, "get")).statusCode()).isEqualTo(200);
        assertThat(upload.store().usage("erin@" + D)).isEqualTo(5 * 1024);
        assertThat(slot("fits", "x.bin", 50 * 1024).attr("type")).isEqualTo("result");
    }
}
