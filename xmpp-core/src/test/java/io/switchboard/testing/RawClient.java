package io.switchboard.testing;

import io.switchboard.xml.Ns;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlLimits;
import io.switchboard.xml.XmlStreamException;
import io.switchboard.xml.XmlStreamParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A byte-level XMPP client for hostile-input tests: sends whatever it is told, reads the server's
 * stream with the server's own parser, and reports the stream error and the close.
 */
public final class RawClient implements AutoCloseable {

    /** Something the server sent. */
    public sealed interface Event {
    }

    public record Header(StreamHeader header) implements Event {
    }

    public record Element(XmlElement element) implements Event {
    }

    public record Closed(String how) implements Event {
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    private Socket socket;
    private OutputStream out;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private Thread reader;
    private volatile XmlStreamParser parser;
    /** When the parser pauses (at proceed or success), the reader waits here: true = restart, false = stop. */
    private final java.util.concurrent.SynchronousQueue<Boolean> resume = new java.util.concurrent.SynchronousQueue<>();

    private RawClient(Socket s) throws IOException {
        this.socket = s;
        startReading();
    }

    public static RawClient connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(0);
        s.setTcpNoDelay(true);
        return new RawClient(s);
    }

    /** The peer side of a connection the test accepted (a fake server the server under test dials). */
    public static RawClient accepted(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        return new RawClient(s);
    }

    /** Connects with TLS from the first byte (XEP-0368). */
    public static RawClient connectTls(int port, SSLContext ctx) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        s.startHandshake();
        return new RawClient(s);
    }

    private void startReading() throws IOException {
        out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        parser = newParser();
        XmlStreamParser p = parser;
        reader = new Thread(() -> read(in, p), "raw-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private XmlStreamParser newParser() {
        XmlStreamParser p = new XmlStreamParser(new XmlLimits(16 * 1024 * 1024, 64, 256, 4096, 1_000_000),
                new XmlStreamParser.Listener() {
                    @Override
                    public void streamOpen(StreamHeader header) {
                        events.add(new Header(header));
                    }

                    @Override
                    public boolean element(XmlElement element) {
                        events.add(new Element(element));
                        // Pause at <proceed/> (TLS bytes follow) and <success/> (a new stream follows).
                        return !element.is(Ns.TLS, "proceed") && !element.is(Ns.SASL, "success");
                    }

                    @Override
                    public void streamClose() {
                        events.add(new Closed("</stream:stream>"));
                    }

                    @Override
                    public void whitespace() {
                    }
                });
        p.setNegotiating(true);
        return p;
    }

    private void read(InputStream in, XmlStreamParser p) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                p.feed(buf, 0, n);
                while (p.isPaused()) {
                    if (!resume.take()) {
                        return;
                    }
                    p.resume(true);
                }
            }
            events.add(new Closed("eof"));
        } catch (XmlStreamException e) {
            events.add(new Closed("unparseable: " + e.getMessage()));
        } catch (IOException e) {
            events.add(new Closed("io: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public RawClient send(String s) throws IOException {
        return send(s.getBytes(StandardCharsets.UTF_8));
    }

    public RawClient send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    public RawClient open(String domain) throws IOException {
        return send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='"
                + Ns.STREAMS + "' to='" + domain + "' version='1.0'>");
    }

    /** The next thing the server sends, or fails after a while. */
    public Event next() throws InterruptedException {
        Event e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new AssertionError("the server sent nothing within " + WAIT.toSeconds() + " s");
        }
        return e;
    }

    public StreamHeader header() throws InterruptedException {
        Event e = next();
        if (e instanceof Header h) {
            return h.header();
        }
        throw new AssertionError("expected a stream header, got " + e);
    }

    public XmlElement element() throws InterruptedException {
        Event e = next();
        if (e instanceof Element el) {
            return el.element();
        }
        throw new AssertionError("expected an element, got " + e);
    }

    /** Skips elements until one with the given name arrives. */
    public XmlElement element(String ns, String local) throws InterruptedException {
        while (true) {
            XmlElement e = element();
            if (e.is(ns, local)) {
                return e;
            }
        }
    }

    /** Reads until the stream error; returns its condition. Then expects the close. */
    public String streamError() throws InterruptedException {
        while (true) {
            Event e = next();
            if (e instanceof Element el && el.element().is(Ns.STREAMS, "error")) {
                XmlElement cond = el.element().childInNs(Ns.STREAM_ERRORS);
                return cond == null ? "?" : cond.local();
            }
            if (e instanceof Closed c) {
                throw new AssertionError("closed without a stream error: " + c.how());
            }
        }
    }

    /** True when the server closes the connection (after anything else it sends). */
    public boolean awaitClosed() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Event e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e instanceof Closed c && !c.how().equals("</stream:stream>")) {
                return true;
            }
            if (e == null) {
                break;
            }
        }
        return socket.isClosed();
    }

    /** Upgrades to TLS after {@code <proceed/>} was read. */
    public RawClient startTls(SSLContext ctx, String host) throws IOException {
        try {
            resume.put(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(socket, host, socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        socket = s;
        startReading();
        return this;
    }

    /** Opens the stream, does STARTTLS, opens again, and returns the features. */
    public XmlElement negotiateTls(SSLContext ctx, String domain) throws IOException, InterruptedException {
        open(domain);
        header();
        element(Ns.STREAMS, "features");
        send("<starttls xmlns='" + Ns.TLS + "'/>");
        element(Ns.TLS, "proceed");
        startTls(ctx, domain);
        open(domain);
        header();
        return element(Ns.STREAMS, "features");
    }

    /** SASL PLAIN, then a restart; returns the new features. */
    public XmlElement plainLogin(String user, String password, String domain) throws IOException, InterruptedException {
        String cred = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        send("<auth xmlns='" + Ns.SASL + "' mechanism='PLAIN'>" + cred + "</auth>");
        XmlElement r = element();
        if (!r.is(Ns.SASL, "success")) {
            throw new AssertionError("login failed: " + r);
        }
        restartAfterSuccess();
        open(domain);
        header();
        return element(Ns.STREAMS, "features");
    }

    /** Full login to a bound session over STARTTLS. */
    public RawClient loginAndBind(SSLContext ctx, String domain, String user, String password, String resource)
            throws IOException, InterruptedException {
        negotiateTls(ctx, domain);
        plainLogin(user, password, domain);
        send("<iq type='set' id='bind'><bind xmlns='" + Ns.BIND + "'><resource>" + resource + "</resource></bind></iq>");
        XmlElement r = element(Ns.CLIENT, "iq");
        if (!"result".equals(r.attr("type"))) {
            throw new AssertionError("bind failed: " + r);
        }
        return this;
    }

    /** After {@code <success/>}: the server's next bytes are a new stream. */
    public void restartAfterSuccess() {
        try {
            resume.put(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Socket socket() {
        return socket;
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
