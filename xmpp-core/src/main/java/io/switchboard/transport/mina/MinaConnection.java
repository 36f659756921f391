package io.switchboard.transport.mina;

import io.switchboard.tls.TlsContexts;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionGate;
import io.switchboard.transport.ConnectionHandler;
import io.switchboard.transport.TlsInfo;
import io.switchboard.xml.Ns;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlLimits;
import io.switchboard.xml.XmlStreamException;
import io.switchboard.xml.XmlStreamParser;
import io.switchboard.xml.XmlWriter;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter.NextFilter;
import org.apache.mina.core.future.DefaultWriteFuture;
import org.apache.mina.core.service.IoProcessor;
import org.apache.mina.core.session.AbstractIoSession;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MINA session seen as a {@link Connection}, together with its decoder state. The decoder part
 * ({@link #decode}) runs on the session's I/O thread; {@link #resumeInput} runs on its worker while
 * reading is suspended; both hold this object's lock.
 */
final class MinaConnection implements Connection, XmlStreamParser.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(MinaConnection.class);
    /** Elements queued for the worker before reading is suspended (backpressure). */
    static final int MAX_QUEUED_ELEMENTS = 256;
    /** Bytes accepted while the parser is paused; a client waiting for an answer sends none. */
    private static final int MAX_SIDE_BYTES = 16 * 1024;

    private final IoSession session;
    private final MinaTransport transport;
    private final long maxWriteQueue;
    private final XmlStreamParser parser;
    private final TlsContexts tls;
    private ConnectionHandler handler;
    private volatile String contentNs = Ns.CLIENT;
    private volatile TlsInfo tlsInfo;
    private volatile boolean closing;
    private volatile boolean gateHeld;
    private volatile String afterHandshake;

    // Decoder state, guarded by this.
    private final List<StreamEvent> out = new ArrayList<>();
    /** Elements parsed since the last other event: they go to the worker as one batch. */
    private List<XmlElement> run;
    private ByteArrayOutputStream side;
    private boolean inputFailed;
    private NextFilter next;
    private boolean readSuspended;
    private final AtomicInteger queued = new AtomicInteger();

    /**
     * Elements of one read handled as one batch at most: the writes of a batch wait for its last
     * element, so a read of many stanzas is cut into batches of this many (about 2 ms of work).
     */
    static final int MAX_BATCH_ELEMENTS = 64;
    /** Held writes pass this size: they leave at once, corked or not. */
    static final int CORK_FLUSH_BYTES = 32 * 1024;
    // Writes, guarded by writeLock: every session.write of this connection happens under it, so the
    // bytes leave in the order of the write calls. While a worker's WriteBatch corks the connection
    // (corkDepth > 0), writes from any thread are held and leave together when it is released.
    private final Object writeLock = new Object();
    private int corkDepth;
    private List<byte[]> held;
    private int heldBytes;

    MinaConnection(IoSession session, MinaTransport transport, XmlLimits limits, long maxWriteQueue, boolean gateHeld,
                   TlsContexts tls) {
        this.session = session;
        this.tls = tls;
        this.transport = transport;
        this.maxWriteQueue = maxWriteQueue;
        this.parser = new XmlStreamParser(limits, this);
        this.gateHeld = gateHeld;
    }

    void setHandler(ConnectionHandler handler) {
        this.handler = handler;
    }

    ConnectionHandler handler() {
        return handler;
    }

    // ---- decoder side (I/O thread) ----

    synchronized void decode(NextFilter nextFilter, IoBuffer buf) {
        this.next = nextFilter;
        int len = buf.remaining();
        if (inputFailed || len == 0) {
            return;
        }
        byte[] bytes = new byte[len];
        buf.get(bytes);
        if (parser.isPaused()) {
            // The peer sent more while its last element is being handled (a well-behaved client waits
            // for the answer): keep the bytes for resumeInput, within a small bound.
            if (side == null) {
                side = new ByteArrayOutputStream();
            }
            if (side.size() + len > MAX_SIDE_BYTES) {
                fail(new XmlStreamException(XmlStreamException.Condition.POLICY_VIOLATION,
                        "too much data while the server was negotiating"));
            } else {
                side.write(bytes, 0, len);
            }
            dispatch();
            return;
        }
        feed(bytes, 0, len);
        dispatch();
    }

    private void feed(byte[] bytes, int off, int len) {
        try {
            parser.feed(bytes, off, len);
        } catch (XmlStreamException e) {
            fail(e);
        }
        updateReading();
    }

    private void fail(XmlStreamException e) {
        inputFailed = true;
        endRun();
        out.add(new StreamEvent.Error(e));
        suspendRead();
    }

    private void dispatch() {
        endRun();
        if (out.isEmpty()) {
            return;
        }
        List<StreamEvent> events = new ArrayList<>(out);
        out.clear();
        for (StreamEvent ev : events) {
            if (ev instanceof StreamEvent.Elements es) {
                queued.addAndGet(es.elements().size());
            }
            next.messageReceived(session, ev);
        }
        updateReading();
    }

    /** The consecutive elements of one read become one event: one worker task, one write batch. */
    private void endRun() {
        if (run != null) {
            out.add(new StreamEvent.Elements(run));
            run = null;
        }
    }

    /**
     * Reading stops after a parse failure and while too many elements wait for the worker
     * (backpressure). A paused parser does not stop reading: what arrives meanwhile is kept aside,
     * because MINA applies a read resumption made from a worker thread only at the I/O thread's next
     * select.
     */
    private void updateReading() {
        boolean shouldSuspend = inputFailed || queued.get() >= MAX_QUEUED_ELEMENTS;
        if (shouldSuspend && !readSuspended) {
            suspendRead();
        } else if (!shouldSuspend && readSuspended) {
            readSuspended = false;
            session.resumeRead();
            wakeUp();
        }
    }

    /**
     * MINA applies a read-interest change made from another thread only at the I/O thread's next
     * select, which may sleep up to a second; scheduling a (possibly empty) flush wakes it now.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void wakeUp() {
        if (session instanceof AbstractIoSession s) {
            IoProcessor p = s.getProcessor();
            p.flush(s);
        }
    }

    private void suspendRead() {
        if (!readSuspended) {
            readSuspended = true;
            session.suspendRead();
        }
    }

    /** The worker has processed {@code n} elements. */
    void elementsProcessed(int n) {
        int after = queued.addAndGet(-n);
        if (after <= MAX_QUEUED_ELEMENTS / 2 && after + n > MAX_QUEUED_ELEMENTS / 2) {
            synchronized (this) {
                updateReading();
            }
        }
    }

    @Override
    public void streamOpen(StreamHeader header) {
        endRun();
        out.add(new StreamEvent.Open(header));
    }

    @Override
    public boolean element(XmlElement element) {
        if (run == null) {
            run = new ArrayList<>();
        }
        run.add(element);
        if (run.size() == MAX_BATCH_ELEMENTS) {
            endRun();
        }
        return !handler.pausesInputAfter(element);
    }

    @Override
    public void streamClose() {
        endRun();
        out.add(new StreamEvent.Close());
    }

    @Override
    public void whitespace() {
        // Keepalive: MINA already recorded the read time.
    }

    // ---- Connection ----

    @Override
    public long id() {
        return session.getId();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) session.getRemoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) session.getLocalAddress();
    }

    @Override
    public void writeRaw(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void write(XmlElement element) {
        write(XmlWriter.streamBytes(element, contentNs));
    }

    @Override
    public void write(byte[] bytes) {
        if (closing || !session.isConnected()) {
            return;
        }
        WriteBatch batch = WriteBatch.current();
        synchronized (writeLock) {
            if (closing) {
                return;
            }
            if (batch != null && batch.add(this)) {
                corkDepth++;
            }
            if (corkDepth > 0) {
                if (held == null) {
                    held = new ArrayList<>(4);
                }
                held.add(bytes);
                heldBytes += bytes.length;
                if (heldBytes >= CORK_FLUSH_BYTES) {
                    flushHeld();
                }
                return;
            }
            send(bytes);
        }
    }

    /** A write batch that corked this connection has ended: what is held leaves now, as one write. */
    void uncork() {
        synchronized (writeLock) {
            corkDepth--;
            flushHeld();
        }
    }

    /** Under {@code writeLock}: the held writes, concatenated, as one write. */
    private void flushHeld() {
        List<byte[]> h = held;
        if (h == null || h.isEmpty()) {
            return;
        }
        byte[] all;
        if (h.size() == 1) {
            all = h.get(0);
        } else {
            all = new byte[heldBytes];
            int at = 0;
            for (byte[] b : h) {
                System.arraycopy(b, 0, all, at, b.length);
                at += b.length;
            }
        }
        // An idle connection keeps no buffer (memory per idle session).
        held = corkDepth > 0 ? new ArrayList<>(4) : null;
        heldBytes = 0;
        send(all);
    }

    /** Under {@code writeLock}. */
    private void send(byte[] bytes) {
        session.write(IoBuffer.wrap(bytes));
        long q = session.getScheduledWriteBytes();
        if (q > maxWriteQueue) {
            LOG.info("Disconnecting {}: {} bytes queued and not read by the peer", remoteAddress(), q);
            abort();
        }
    }

    @Override
    public void close() {
        if (!closing) {
            synchronized (writeLock) {
                // What a batch still holds was written before the close: it leaves first.
                flushHeld();
                closing = true;
            }
            session.closeOnFlush();
        }
    }

    @Override
    public void abort() {
        closing = true;
        synchronized (writeLock) {
            held = null;
            heldBytes = 0;
        }
        session.closeNow();
    }

    @Override
    public boolean isOpen() {
        return !closing && session.isConnected();
    }

    @Override
    public TlsInfo tls() {
        return tlsInfo;
    }

    void tlsEstablished() {
        SSLEngine engine = (SSLEngine) session.getAttribute(XmppSslFilter.ENGINE);
        if (engine != null) {
            tlsInfo = new MinaTlsInfo(engine, tls);
        }
        String first = afterHandshake;
        if (first != null) {
            afterHandshake = null;
            // Not from here: this runs inside the TLS handler's event dispatch, where a write is queued
            // but not flushed until the next I/O on the session (which, the peer waiting for us, never comes).
            java.util.concurrent.CompletableFuture.runAsync(() -> writeRaw(first));
        }
    }

    /**
     * Installs TLS first, then writes {@code <proceed/>} past it in plaintext (MINA 2.2's
     * {@code DisableEncryptWriteRequest}), all under the decoder's lock: every byte the peer sends
     * after this point goes through TLS, and anything it sent before (kept aside while the parser
     * was paused) is an injection attempt that closes the connection.
     */
    @Override
    public void startTls(XmlElement proceed) {
        if (tls == null) {
            throw new IllegalStateException("TLS is not configured");
        }
        synchronized (writeLock) {
            // Anything written before <proceed/> leaves before TLS is installed.
            flushHeld();
        }
        synchronized (this) {
            if (side != null && side.size() > 0) {
                LOG.info("Closing {}: plaintext data pipelined after <starttls/>", remoteAddress());
                abort();
                return;
            }
            try {
                session.getFilterChain().addBefore(MinaTransport.XMPP_FILTER, MinaTransport.TLS_FILTER,
                        new XmppSslFilter(tls));
            } catch (RuntimeException e) {
                LOG.warn("Cannot start TLS for {}: {}", remoteAddress(), e.toString());
                abort();
                return;
            }
            side = null;
            parser.reset();
            IoBuffer buf = IoBuffer.wrap(XmlWriter.streamBytes(proceed, contentNs));
            session.getFilterChain().fireFilterWrite(new PlaintextWrite(buf, new DefaultWriteFuture(session)));
            updateReading();
        }
    }

    @Override
    public void startClientTls(String serverName, String afterHandshake) {
        if (tls == null) {
            throw new IllegalStateException("TLS is not configured");
        }
        synchronized (writeLock) {
            flushHeld();
        }
        synchronized (this) {
            this.afterHandshake = afterHandshake;
            if (side != null && side.size() > 0) {
                LOG.info("Closing {}: plaintext data pipelined after <proceed/>", remoteAddress());
                abort();
                return;
            }
            side = null;
            parser.reset();
            try {
                session.getFilterChain().addBefore(MinaTransport.XMPP_FILTER, MinaTransport.TLS_FILTER,
                        new XmppSslFilter(tls, serverName));
            } catch (RuntimeException e) {
                LOG.warn("Cannot start TLS with {}: {}", remoteAddress(), e.toString());
                abort();
                return;
            }
            updateReading();
        }
    }

    @Override
    public void resumeInput(boolean restartStream) {
        synchronized (this) {
            if (inputFailed || !parser.isPaused()) {
                return;
            }
            try {
                parser.resume(restartStream);
                if (side != null && !parser.isPaused()) {
                    byte[] more = side.toByteArray();
                    side = null;
                    parser.feed(more, 0, more.length);
                }
            } catch (XmlStreamException e) {
                fail(e);
            }
            if (next != null) {
                dispatch();
            }
            updateReading();
        }
    }

    @Override
    public synchronized boolean hasPipelinedInput() {
        return parser.hasLeftover() || (side != null && side.size() > 0);
    }

    @Override
    public synchronized void setLimits(XmlLimits limits) {
        parser.setLimits(limits);
    }

    /** Called by the stream when negotiation is over: larger parser slices. */
    synchronized void setNegotiating(boolean negotiating) {
        parser.setNegotiating(negotiating);
    }

    @Override
    public void markAuthenticated() {
        if (gateHeld) {
            gateHeld = false;
            transport.gate().release(remoteAddress().getAddress());
        }
        setNegotiating(false);
    }

    void releaseGate(ConnectionGate gate) {
        if (gateHeld) {
            gateHeld = false;
            gate.release(remoteAddress().getAddress());
        }
    }

    @Override
    public long queuedBytes() {
        return session.getScheduledWriteBytes();
    }

    @Override
    public long lastReadTime() {
        return session.getLastReadTime();
    }

    @Override
    public void setContentNamespace(String ns) {
        this.contentNs = ns;
    }

    @Override
    public String toString() {
        return "connection " + id() + " from " + session.getRemoteAddress();
    }
}
