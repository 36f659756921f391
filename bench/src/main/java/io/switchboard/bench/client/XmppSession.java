package io.switchboard.bench.client;

import io.switchboard.bench.Target;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlLimits;
import io.switchboard.xml.XmlStreamException;
import io.switchboard.xml.XmlStreamParser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * One client connection, driven by its {@link EventLoop}: TCP connect, TLS (STARTTLS or direct,
 * through an {@link SSLEngine}), SCRAM, resource binding, initial presence; then stanzas in and
 * out. Not thread-safe: every method runs on the loop's thread.
 *
 * <p>Output is queued by {@link #send(String)} and written once per loop iteration, so that the
 * stanzas a session produces while handling one read leave in one TLS record and one system call.
 */
public final class XmppSession implements XmlStreamParser.Listener {

    static final String NS_STREAMS = "http://etherx.jabber.org/streams";
    static final String NS_CLIENT = "jabber:client";
    static final String NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls";
    static final String NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
    static final String NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind";
    static final String NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session";
    static final String NS_PING = "urn:xmpp:ping";

    private static final XmlLimits LIMITS = new XmlLimits(1 << 20, 64, 256, 1024, 100_000);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** Where the session is. */
    public enum State { NEW, CONNECTING, TLS_HANDSHAKE, STREAM, STARTTLS, AUTH, BIND, SESSION, REGISTER, READY, CLOSED }

    private enum Pending { NONE, STARTTLS, RESTART }

    private final ClientPool pool;
    private final EventLoop loop;
    private final Target target;
    private final String user;
    private final int number;
    private final boolean register;
    private SessionListener listener;
    /** Free for the scenario that owns the session. */
    public Object attachment;

    private SocketChannel ch;
    private SelectionKey key;
    private SSLEngine engine;
    private boolean tlsUp;
    private boolean handshakeDone;
    private ByteBuffer inLeftover;
    private byte[] pendBuf;
    private int pendStart;
    private int pendEnd;
    private byte[] appOut;
    private int appOutLen;
    private boolean dirty;
    private boolean closeAfterFlush;

    private XmlStreamParser parser;
    private State state = State.NEW;
    private Pending pending = Pending.NONE;
    private boolean authenticated;
    private boolean sentFinal;
    private boolean sessionRequired;
    private Scram scram;
    private String jid;
    private long startNanos;
    private long readyNanos;
    private long receiveNanos;
    private EventLoop.Timer loginTimer;

    XmppSession(ClientPool pool, EventLoop loop, int number, SessionListener listener, boolean register) {
        this.pool = pool;
        this.loop = loop;
        this.target = pool.target();
        this.number = number;
        this.user = target.user(number);
        this.listener = listener;
        this.register = register;
    }

    // ------------------------------------------------------------------ accessors

    public EventLoop loop() {
        return loop;
    }

    public String user() {
        return user;
    }

    /** Account number counted from the target's first user. */
    public int number() {
        return number;
    }

    /** The full JID the server bound, or null before binding. */
    public String jid() {
        return jid;
    }

    public State state() {
        return state;
    }

    public boolean isReady() {
        return state == State.READY;
    }

    public long startNanos() {
        return startNanos;
    }

    public long readyNanos() {
        return readyNanos;
    }

    /** True when this login had to run PBKDF2 (the salted password was not cached). */
    public boolean derivedKey() {
        return scram != null && scram.computedSaltedPassword();
    }

    public String mechanism() {
        return scram == null ? null : scram.hash().mechanism;
    }

    public void listener(SessionListener l) {
        this.listener = l;
    }

    // ------------------------------------------------------------------ connecting

    /** Starts connecting. Loop thread only; use {@link ClientPool#connect(XmppSession)} elsewhere. */
    public void connect() {
        if (state != State.NEW) {
            return;
        }
        startNanos = System.nanoTime();
        state = State.CONNECTING;
        loginTimer = loop.schedule(startNanos + target.loginTimeout().toNanos(), () -> {
            if (state != State.READY && state != State.CLOSED) {
                fail("timeout:" + state.name().toLowerCase());
            }
        });
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            InetAddress src = pool.nextSourceAddress();
            if (src != null) {
                // A port of an earlier run's connection still in TIME_WAIT may be taken again.
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(new InetSocketAddress(src, 0));
            }
            boolean connected = ch.connect(target.address());
            key = ch.register(loop.selector(), connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            if (connected) {
                connected();
            }
        } catch (IOException | RuntimeException e) {
            fail("connect:" + message(e));
        }
    }

    void onConnectable() {
        try {
            if (ch.finishConnect()) {
                key.interestOps(SelectionKey.OP_READ);
                connected();
            }
        } catch (IOException e) {
            fail("connect:" + message(e));
        }
    }

    private void connected() {
        parser = new XmlStreamParser(LIMITS, this);
        if (target.directTls()) {
            beginTls();
        } else {
            openStream();
        }
    }

    private void openStream() {
        state = State.STREAM;
        send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                + " to='" + Xml.escape(target.domain()) + "' version='1.0' xml:lang='en'>");
    }

    private void beginTls() {
        state = State.TLS_HANDSHAKE;
        // No peer host and port: the JDK then neither caches nor resumes the TLS session, and every
        // login is a full handshake as a new client's would be. SNI still names the domain.
        engine = pool.sslContext().createSSLEngine();
        engine.setUseClientMode(true);
        try {
            SSLParameters p = engine.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(target.domain())));
            engine.setSSLParameters(p);
        } catch (IllegalArgumentException e) {
            // A domain that is not a valid SNI host name: no SNI.
        }
        tlsUp = true;
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            fail("tls:" + message(e));
            return;
        }
        pumpHandshake(engine.getHandshakeStatus());
    }

    private void pumpHandshake(SSLEngineResult.HandshakeStatus hs) {
        while (state != State.CLOSED) {
            switch (hs) {
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                    hs = engine.getHandshakeStatus();
                }
                case NEED_WRAP -> {
                    ByteBuffer out = loop.netOut;
                    out.clear();
                    SSLEngineResult r;
                    try {
                        r = engine.wrap(EMPTY, out);
                    } catch (SSLException e) {
                        fail("tls:" + message(e));
                        return;
                    }
                    out.flip();
                    writeRaw(out);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        fail("tls:closed during handshake");
                        return;
                    }
                    hs = r.getHandshakeStatus();
                }
                case FINISHED -> {
                    handshakeFinished();
                    return;
                }
                default -> {
                    // NEED_UNWRAP: wait for the server. NOT_HANDSHAKING: done (TLS 1.3 may not say FINISHED here).
                    if (hs == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && !handshakeDone) {
                        handshakeFinished();
                    }
                    return;
                }
            }
        }
    }

    private void handshakeFinished() {
        if (handshakeDone) {
            return;
        }
        handshakeDone = true;
        parser.reset();
        openStream();
    }

    // ------------------------------------------------------------------ reading

    void onReadable() {
        ByteBuffer in = loop.netIn;
        in.clear();
        if (inLeftover != null) {
            in.put(inLeftover);
            inLeftover = null;
        }
        int n;
        try {
            n = ch.read(in);
        } catch (IOException e) {
            fail("read:" + message(e));
            return;
        }
        receiveNanos = System.nanoTime();
        if (n < 0) {
            fail(state == State.READY ? "closed by server" : "closed by server during " + state.name().toLowerCase());
            return;
        }
        in.flip();
        if (tlsUp) {
            unwrap(in);
        } else {
            readPlain(in);
        }
        if (state != State.CLOSED && tlsUp && in.hasRemaining()) {
            // A partial TLS record: kept until the rest arrives (the only per-session read buffer).
            inLeftover = ByteBuffer.allocate(in.remaining());
            inLeftover.put(in);
            inLeftover.flip();
        }
    }

    private void readPlain(ByteBuffer in) {
        while (in.hasRemaining() && state != State.CLOSED && !tlsUp) {
            int len = Math.min(in.remaining(), loop.app.length);
            in.get(loop.app, 0, len);
            deliver(loop.app, len);
        }
        in.position(in.limit());
    }

    private void unwrap(ByteBuffer in) {
        while (state != State.CLOSED) {
            ByteBuffer app = loop.appBuf;
            app.clear();
            SSLEngineResult r;
            try {
                r = engine.unwrap(in, app);
            } catch (SSLException e) {
                fail("tls:" + message(e));
                return;
            }
            if (app.position() > 0) {
                deliver(loop.app, app.position());
                if (state == State.CLOSED) {
                    return;
                }
            }
            switch (r.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    return;
                }
                case BUFFER_OVERFLOW -> {
                    fail("tls:record larger than the read buffer");
                    return;
                }
                case CLOSED -> {
                    fail(state == State.READY ? "closed by server" : "tls closed by server during " + state.name().toLowerCase());
                    return;
                }
                default -> {
                    // OK
                }
            }
            SSLEngineResult.HandshakeStatus hs = r.getHandshakeStatus();
            if (hs != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || !handshakeDone) {
                pumpHandshake(hs);
            }
            if (!in.hasRemaining() || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                return;
            }
        }
    }

    private void deliver(byte[] b, int len) {
        if (parser.isPaused()) {
            fail("protocol:server sent data before the stream restart");
            return;
        }
        try {
            parser.feed(b, 0, len);
        } catch (XmlStreamException e) {
            fail("xml:" + e.getMessage());
            return;
        }
        if (state == State.CLOSED) {
            return;
        }
        Pending p = pending;
        pending = Pending.NONE;
        if (p == Pending.STARTTLS) {
            if (parser.hasLeftover()) {
                fail("protocol:data after <proceed/>");
                return;
            }
            beginTls();
        } else if (p == Pending.RESTART) {
            parser.reset();
            openStream();
        }
    }

    // ------------------------------------------------------------------ the XML stream

    @Override
    public void streamOpen(StreamHeader header) {
        if (!header.name().local().equals("stream") || !header.name().ns().equals(NS_STREAMS)) {
            fail("protocol:not an XMPP stream");
        }
    }

    @Override
    public boolean element(XmlElement e) {
        if (state == State.CLOSED) {
            return false;
        }
        if (e.is(NS_STREAMS, "error")) {
            XmlElement c = e.firstElement();
            fail("stream-error:" + (c == null ? "?" : c.local()));
            return false;
        }
        switch (state) {
            case STREAM -> {
                if (e.is(NS_STREAMS, "features")) {
                    features(e);
                } else {
                    fail("protocol:expected features, got " + e.local());
                }
            }
            case STARTTLS -> {
                if (e.is(NS_TLS, "proceed")) {
                    pending = Pending.STARTTLS;
                    return false;
                }
                fail("starttls:" + e.local());
            }
            case AUTH -> {
                return sasl(e);
            }
            case BIND, SESSION, REGISTER -> iqAnswer(e);
            case READY -> stanza(e);
            default -> fail("protocol:unexpected " + e.local() + " in state " + state);
        }
        return state != State.CLOSED;
    }

    private void features(XmlElement f) {
        if (!tlsUp) {
            if (f.child(NS_TLS, "starttls") == null) {
                fail("starttls:not offered");
                return;
            }
            state = State.STARTTLS;
            send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
            return;
        }
        if (register) {
            state = State.REGISTER;
            send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>" + Xml.escape(user)
                    + "</username><password>" + Xml.escape(target.password()) + "</password></query></iq>");
            return;
        }
        if (!authenticated) {
            XmlElement mechs = f.child(NS_SASL, "mechanisms");
            List<String> offered = new ArrayList<>();
            if (mechs != null) {
                for (XmlElement m : mechs.elements(NS_SASL, "mechanism")) {
                    offered.add(m.text().trim());
                }
            }
            String mech = chooseMechanism(offered);
            if (mech == null) {
                fail("sasl:no usable mechanism in " + offered);
                return;
            }
            scram = new Scram(Scram.Hash.of(mech), user, target.password(), pool.scramCache(), pool.cacheKey(user));
            state = State.AUTH;
            send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + mech + "'>" + scram.clientFirst() + "</auth>");
            return;
        }
        if (f.child(NS_BIND, "bind") == null) {
            fail("bind:not offered");
            return;
        }
        XmlElement s = f.child(NS_SESSION, "session");
        sessionRequired = s != null && s.child(NS_SESSION, "optional") == null;
        state = State.BIND;
        send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
                + Xml.escape(target.resource()) + "</resource></bind></iq>");
    }

    private String chooseMechanism(List<String> offered) {
        String want = target.sasl();
        if (!want.equals("auto")) {
            return offered.contains(want) ? want : null;
        }
        if (offered.contains("SCRAM-SHA-256")) {
            return "SCRAM-SHA-256";
        }
        return offered.contains("SCRAM-SHA-1") ? "SCRAM-SHA-1" : null;
    }

    private boolean sasl(XmlElement e) {
        try {
            if (e.is(NS_SASL, "challenge")) {
                if (!sentFinal) {
                    sentFinal = true;
                    send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + scram.clientFinal(e.text()) + "</response>");
                } else {
                    if (!scram.verifyServerFinal(e.text())) {
                        fail("sasl:server signature does not match");
                        return false;
                    }
                    send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
                }
                return true;
            }
            if (e.is(NS_SASL, "success")) {
                String t = e.text().trim();
                if (!t.isEmpty() && !t.equals("=") && !scram.verifyServerFinal(t)) {
                    fail("sasl:server signature does not match");
                    return false;
                }
                authenticated = true;
                pending = Pending.RESTART;
                return false;
            }
            if (e.is(NS_SASL, "failure")) {
                XmlElement c = e.firstElement();
                fail("sasl:" + (c == null ? "failure" : c.local()));
                return false;
            }
        } catch (Scram.ScramException ex) {
            fail("sasl:" + ex.getMessage());
            return false;
        }
        fail("protocol:unexpected " + e.local() + " during SASL");
        return false;
    }

    private void iqAnswer(XmlElement e) {
        if (!e.is(NS_CLIENT, "iq")) {
            return;
        }
        String type = e.attr("type");
        String id = e.attr("id");
        if ("get".equals(type) || "set".equals(type)) {
            answerIq(e);
            return;
        }
        boolean ok = "result".equals(type);
        switch (state) {
            case BIND -> {
                if (!"bind".equals(id)) {
                    return;
                }
                if (!ok) {
                    fail("bind:" + errorCondition(e));
                    return;
                }
                XmlElement b = e.child(NS_BIND, "bind");
                jid = b == null ? null : b.childText(NS_BIND, "jid");
                if (jid == null) {
                    fail("bind:no jid in the result");
                    return;
                }
                if (sessionRequired) {
                    state = State.SESSION;
                    send("<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
                } else {
                    ready();
                }
            }
            case SESSION -> {
                if ("sess".equals(id)) {
                    if (ok) {
                        ready();
                    } else {
                        fail("session:" + errorCondition(e));
                    }
                }
            }
            case REGISTER -> {
                if ("reg".equals(id)) {
                    if (ok || "conflict".equals(errorCondition(e))) {
                        ready();
                    } else {
                        fail("register:" + errorCondition(e));
                    }
                }
            }
            default -> {
                // Not waiting for an answer.
            }
        }
    }

    private void ready() {
        state = State.READY;
        readyNanos = System.nanoTime();
        loginTimer.cancel();
        parser.setNegotiating(false);
        if (!register && pool.sendPresence()) {
            send("<presence/>");
        }
        listener.ready(this);
    }

    private void stanza(XmlElement e) {
        if (e.is(NS_CLIENT, "iq")) {
            String type = e.attr("type");
            if ("get".equals(type) || "set".equals(type)) {
                answerIq(e);
                return;
            }
        }
        listener.stanza(this, e, receiveNanos);
    }

    /** Pings get their answer; any other request is refused, as RFC 6120 §8.4 requires. */
    private void answerIq(XmlElement e) {
        String from = e.attr("from");
        String id = e.attr("id");
        String to = from == null ? "" : " to='" + Xml.escape(from) + "'";
        String idAttr = " id='" + Xml.escape(id == null ? "" : id) + "'";
        if (e.child(NS_PING, "ping") != null) {
            send("<iq type='result'" + idAttr + to + "/>");
        } else {
            send("<iq type='error'" + idAttr + to + "><error type='cancel'><service-unavailable"
                    + " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        }
    }

    private static String errorCondition(XmlElement iq) {
        XmlElement err = iq.child(NS_CLIENT, "error");
        if (err == null) {
            return "error";
        }
        XmlElement c = err.firstElement();
        return c == null ? "error" : c.local();
    }

    @Override
    public void streamClose() {
        if (state != State.CLOSED) {
            fail("closed by server");
        }
    }

    @Override
    public void whitespace() {
        // Keepalive.
    }

    // ------------------------------------------------------------------ writing

    /** Queues a stanza (or any XML); it leaves at the end of this loop iteration. Loop thread only. */
    public void send(String xml) {
        if (state == State.CLOSED) {
            return;
        }
        int need = appOutLen + xml.length() * 3;
        if (appOut == null || appOut.length < need) {
            byte[] n = new byte[Math.max(need, appOut == null ? 512 : appOut.length * 2)];
            if (appOut != null) {
                System.arraycopy(appOut, 0, n, 0, appOutLen);
            }
            appOut = n;
        }
        appOutLen += encode(xml, appOut, appOutLen);
        if (!dirty) {
            dirty = true;
            loop.markDirty(this);
        }
    }

    /** UTF-8 encoding without an intermediate array. */
    private static int encode(String s, byte[] dst, int off) {
        int p = off;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                dst[p++] = (byte) c;
            } else {
                byte[] b = String.valueOf(Character.isHighSurrogate(c) && i + 1 < s.length()
                        ? new char[]{c, s.charAt(++i)} : new char[]{c}).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(b, 0, dst, p, b.length);
                p += b.length;
            }
        }
        return p - off;
    }

    void flush() {
        dirty = false;
        if (appOutLen == 0 || state == State.CLOSED && ch == null) {
            appOutLen = 0;
            return;
        }
        if (!tlsUp) {
            writeRaw(ByteBuffer.wrap(appOut, 0, appOutLen));
        } else {
            ByteBuffer src = ByteBuffer.wrap(appOut, 0, appOutLen);
            while (src.hasRemaining() && ch != null) {
                ByteBuffer out = loop.netOut;
                out.clear();
                SSLEngineResult r;
                try {
                    r = engine.wrap(src, out);
                } catch (SSLException e) {
                    appOutLen = 0;
                    fail("tls:" + message(e));
                    return;
                }
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    appOutLen = 0;
                    fail("tls:wrap " + r.getStatus());
                    return;
                }
                out.flip();
                writeRaw(out);
            }
        }
        appOutLen = 0;
        if (appOut != null && appOut.length > 16 * 1024) {
            appOut = null;
        }
    }

    private void writeRaw(ByteBuffer b) {
        if (ch == null) {
            return;
        }
        if (pendBuf == null) {
            try {
                ch.write(b);
            } catch (IOException e) {
                fail("write:" + message(e));
                return;
            }
            if (!b.hasRemaining()) {
                return;
            }
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
        int n = b.remaining();
        if (pendBuf == null) {
            pendBuf = new byte[Math.max(n, 4096)];
            pendStart = 0;
            pendEnd = 0;
        } else if (pendBuf.length - pendEnd < n) {
            int live = pendEnd - pendStart;
            byte[] nb = new byte[Math.max(live + n, pendBuf.length * 2)];
            System.arraycopy(pendBuf, pendStart, nb, 0, live);
            pendBuf = nb;
            pendStart = 0;
            pendEnd = live;
        }
        b.get(pendBuf, pendEnd, n);
        pendEnd += n;
    }

    void onWritable() {
        if (pendBuf == null) {
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(pendBuf, pendStart, pendEnd - pendStart);
        try {
            ch.write(b);
        } catch (IOException e) {
            fail("write:" + message(e));
            return;
        }
        pendStart = b.position();
        if (pendStart == pendEnd) {
            pendBuf = null;
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            if (closeAfterFlush) {
                closeChannel();
            }
        }
    }

    /** Bytes written by the session but not yet taken by the socket. */
    public int queuedBytes() {
        return pendBuf == null ? 0 : pendEnd - pendStart;
    }

    // ------------------------------------------------------------------ ending

    /** Ends the stream politely ({@code </stream:stream>}, TLS close_notify), then the connection. Loop thread only. */
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean streamOpen = state != State.NEW && state != State.CONNECTING && state != State.TLS_HANDSHAKE;
        if (streamOpen) {
            send("</stream:stream>");
            flush();
        }
        State was = state;
        state = State.CLOSED;
        if (loginTimer != null) {
            loginTimer.cancel();
        }
        if (ch != null && engine != null && handshakeDone) {
            engine.closeOutbound();
            ByteBuffer out = loop.netOut;
            out.clear();
            try {
                engine.wrap(EMPTY, out);
                out.flip();
                writeRaw(out);
            } catch (SSLException e) {
                // The connection closes anyway.
            }
        }
        if (pendBuf != null && ch != null) {
            closeAfterFlush = true;
            loop.schedule(System.nanoTime() + 2_000_000_000L, this::closeChannel);
        } else {
            closeChannel();
        }
        listener.closed(this, false, "closed in state " + was.name().toLowerCase());
    }

    /** Ends the session at once after an error. */
    void fail(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (loginTimer != null) {
            loginTimer.cancel();
        }
        closeChannel();
        listener.closed(this, true, reason);
    }

    /** Ends the session at once, without a goodbye (the client is shutting down). */
    void abort(String reason) {
        fail(reason);
        closeChannel();
    }

    private void closeChannel() {
        if (key != null) {
            key.cancel();
        }
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // Already gone.
            }
        }
        ch = null;
        key = null;
        pendBuf = null;
        inLeftover = null;
        appOut = null;
        appOutLen = 0;
        parser = null;
        engine = null;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    @Override
    public String toString() {
        return user + "(" + state + ")";
    }
}
