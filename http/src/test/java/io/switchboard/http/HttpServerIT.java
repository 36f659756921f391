package io.switchboard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP server itself: plain mode, the route registry, header and concurrency limits. */
class HttpServerIT {

    static TestServer server;
    static HttpModule http;
    static HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Answers with its name and the path. */
    static Handler echo(String name) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                Content.Sink.write(response, true, name + " " + request.getHttpURI().getPath(), callback);
                return true;
            }
        };
    }

    @BeforeAll
    static void start() throws Exception {
        http = new HttpModule();
        server = TestServer.start(Map.of("http.port", "0", "http.tls", "false", "http.max-header-size", "2KiB",
                "http.max-concurrent-requests", "50"), c -> new InMemoryStorage(), List.of(http));
        http.routes().mount("/hello/", echo("hello"));
        http.routes().mount("/hello/deeper/", echo("deeper"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String url(String path) {
        return "http://127.0.0.1:" + http.port() + path;
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesGoToTheLongestMountedPrefix() throws Exception {
        assertThat(get("/hello/world").body()).isEqualTo("hello /hello/world");
        assertThat(get("/hello/deeper/x").body()).isEqualTo("deeper /hello/deeper/x");
        assertThat(get("/hello").body()).isEqualTo("hello /hello");
        assertThat(get("/hellothere").statusCode()).isEqualTo(404);
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThatThrownBy(() -> http.routes().mount("/hello/", echo("again"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> http.routes().mount("no-slash", echo("bad"))).isInstanceOf(IllegalArgumentException.class);

        http.routes().mount("/temporary/", echo("temporary"));
        assertThat(get("/temporary/a").statusCode()).isEqualTo(200);
        http.routes().unmount("/temporary/");
        assertThat(get("/temporary/a").statusCode()).isEqualTo(404);
    }

    @Test
    void theServerDoesNotNameItselfAndThePublicUrlFollowsTheSettings() throws Exception {
        HttpResponse<String> r = get("/hello/x");
        assertThat(r.headers().firstValue("Server")).isEmpty();
        assertThat(http.publicUrl().toString()).isEqualTo("http://" + TestServer.DOMAIN + ":" + http.port());
        assertThat(HttpModule.parseUrl("https://xmpp.example.org/").toString()).isEqualTo("https://xmpp.example.org");
        assertThatThrownBy(() -> HttpModule.parseUrl("ftp://x")).hasMessageContaining("http.public-url");
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        HttpResponse<String> r = get("/hello/x", "X-Big", "a".repeat(4096));
        assertThat(r.statusCode()).isEqualTo(431);
        // The connection's next request is fine.
        assertThat(get("/hello/x").statusCode()).isEqualTo(200);
    }

    @Test
    void requestsBeyondTheConcurrencyLimitGet503() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpModule one = new HttpModule();
        try (TestServer s = TestServer.start(Map.of("http.port", "0", "http.tls", "false",
                "http.max-concurrent-requests", "1"), c -> new InMemoryStorage(), List.of(one))) {
            one.routes().mount("/block/", new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) throws Exception {
                    entered.countDown();
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                    response.setStatus(200);
                    Content.Sink.write(response, true, "released", callback);
                    return true;
                }
            });
            assertThat(s.server()).isNotNull();
            String base = "http://127.0.0.1:" + one.port();
            CompletableFuture<HttpResponse<String>> first = client.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "/block/")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
            HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create(base + "/block/"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo("released");
        }
    }

    @Test
    void anIdleOrUnfinishedRequestIsClosedAfterTheIdleTimeout() throws Exception {
        HttpModule quick = new HttpModule();
        try (TestServer s = TestServer.start(Map.of("http.port", "0", "http.tls", "false", "http.idle-timeout", "1s"),
                c -> new InMemoryStorage(), List.of(quick));
             java.net.Socket sock = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), quick.port())) {
            assertThat(s.server()).isNotNull();
            sock.setSoTimeout(20_000);
            // Half a request, then nothing: the server gives up on it instead of holding the connection.
            sock.getOutputStream().write("GET /hello/x HTTP/1.1\r\nHost: x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sock.getOutputStream().flush();
            byte[] rest = sock.getInputStream().readAllBytes();
            String answer = new String(rest, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(answer.isEmpty() || answer.startsWith("HTTP/1.1 408") || answer.startsWith("HTTP/1.1 400"))
                    .as(answer).isTrue();
        }
    }
}
