package io.switchboard.http;

import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.tls.TlsMaterial;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** Helpers shared by the HTTP tests: a certificate valid for localhost, HTTPS clients, raw requests. */
public final class HttpFixture {

    public static final String D = TestServer.DOMAIN;

    private HttpFixture() {
    }

    /** A free loopback port, for settings that need the port before the server starts (the public URL). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Settings for a server whose certificate also names localhost (the HTTP tests reach it at
     * https://localhost:port), written under {@code dir}.
     */
    public static Map<String, String> tlsSettings(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path cert = dir.resolve("test.crt");
        Path key = dir.resolve("test.key");
        if (!Files.exists(cert)) {
            TlsMaterial m = TlsMaterial.generate(D, List.of(D, "*." + D, "localhost"), Duration.ofDays(2));
            TlsMaterial.writePem(cert, m.certificate(), false);
            // As PKCS#8: TlsMaterial.writePem writes an EC key in a form TlsMaterial.load cannot read back.
            try (java.io.Writer w = Files.newBufferedWriter(key, StandardCharsets.US_ASCII);
                 org.bouncycastle.openssl.jcajce.JcaPEMWriter pw = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
                pw.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(m.key(), null));
            }
        }
        Map<String, String> s = new HashMap<>();
        s.put("tls.certificate", cert.toString());
        s.put("tls.private-key", key.toString());
        return s;
    }

    public static HttpClient client(TestServer server) {
        return HttpClient.newBuilder().sslContext(server.clientSslContext()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static HttpResponse<byte[]> send(HttpClient client, HttpRequest.Builder req) throws Exception {
        return client.send(req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public static HttpResponse<byte[]> get(HttpClient client, String url) throws Exception {
        return send(client, HttpRequest.newBuilder(URI.create(url)).GET());
    }

    public static HttpResponse<byte[]> put(HttpClient client, String url, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(client, b);
    }

    /**
     * Sends {@code requestHead} (request line and headers, CRLF-terminated, without the blank line)
     * byte for byte over TLS, so that no client library normalizes the path; returns the whole
     * response as text (the server closes the connection).
     */
    public static String raw(SSLContext ctx, int port, String requestHead) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((requestHead + "Host: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0 && all.size() < 1_000_000) {
                all.write(buf, 0, n);
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The status code of a raw response. */
    public static int status(String rawResponse) {
        String[] first = rawResponse.split("\r\n", 2)[0].split(" ");
        return Integer.parseInt(first[1]);
    }

    /** Sends an IQ and returns the answer with the same id. */
    public static XmlElement iq(RawClient c, String id, String xml) throws Exception {
        c.send(xml);
        while (true) {
            XmlElement e = c.element(Ns.CLIENT, "iq");
            if (id.equals(e.attr("id"))) {
                return e;
            }
        }
    }

    /** A clock tests move forward. */
    public static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        public void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
