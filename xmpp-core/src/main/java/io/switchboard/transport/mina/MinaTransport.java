package io.switchboard.transport.mina;

import io.switchboard.tls.TlsContexts;
import io.switchboard.transport.ConnectSpec;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionGate;
import io.switchboard.transport.Listener;
import io.switchboard.transport.ListenerSpec;
import io.switchboard.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mina.core.future.ConnectFuture;
import org.apache.mina.core.service.IoProcessor;
import org.apache.mina.core.service.SimpleIoProcessorPool;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoEventType;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.filter.executor.OrderedThreadPoolExecutor;
import org.apache.mina.transport.socket.SocketSessionConfig;
import org.apache.mina.transport.socket.nio.NioProcessor;
import org.apache.mina.transport.socket.nio.NioSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.apache.mina.transport.socket.nio.NioSocketConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network layer on Apache MINA. Chain per connection:
 * {@code gate → [tls] → xmpp (decode on the I/O thread) → exec (ordered per session) → handler}.
 * The executor sits after the decoder, so parser state never leaves the I/O thread, and MINA's
 * {@link OrderedThreadPoolExecutor} keeps each session's events in order and never concurrent.
 */
public final class MinaTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(MinaTransport.class);
    static final AttributeKey CONNECTION = new AttributeKey(MinaTransport.class, "connection");
    static final AttributeKey SETUP = new AttributeKey(MinaTransport.class, "setup");
    static final String GATE_FILTER = "gate";
    static final String TLS_FILTER = "tls";
    static final String XMPP_FILTER = "xmpp";
    static final String EXEC_FILTER = "exec";

    private final TlsContexts tls;
    private final ConnectionGate gate = new ConnectionGate();
    private final SimpleIoProcessorPool<NioSession> processors;
    private final OrderedThreadPoolExecutor workers;
    private final ExecutorFilter executorFilter;
    private final List<NioSocketAcceptor> acceptors = new CopyOnWriteArrayList<>();
    private NioSocketConnector connector;

    /**
     * @param tls            TLS contexts, or null when no listener uses TLS
     * @param ioThreads      network threads (0 = cores + 1)
     * @param workerThreads  stanza-processing threads
     */
    public MinaTransport(TlsContexts tls, int ioThreads, int workerThreads) {
        this.tls = tls;
        int io = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors() + 1;
        this.processors = new SimpleIoProcessorPool<>(NioProcessor.class, io);
        this.workers = new OrderedThreadPoolExecutor(workerThreads, workerThreads, 60, TimeUnit.SECONDS,
                threads("xmpp-worker"));
        this.executorFilter = new ExecutorFilter(workers, IoEventType.SESSION_OPENED, IoEventType.MESSAGE_RECEIVED,
                IoEventType.SESSION_IDLE, IoEventType.SESSION_CLOSED, IoEventType.EXCEPTION_CAUGHT, IoEventType.EVENT);
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    TlsContexts tls() {
        return tls;
    }

    ConnectionGate gate() {
        return gate;
    }

    static MinaConnection connection(IoSession session) {
        return (MinaConnection) session.getAttribute(CONNECTION);
    }

    @Override
    public Listener listen(ListenerSpec spec) throws IOException {
        if (spec.directTls() && tls == null) {
            throw new IllegalStateException("listener " + spec.name() + " needs TLS but none is configured");
        }
        @SuppressWarnings("unchecked")
        NioSocketAcceptor acceptor = new NioSocketAcceptor((IoProcessor<NioSession>) (IoProcessor<?>) processors);
        acceptor.setReuseAddress(true);
        acceptor.setBacklog(1024);
        acceptor.setCloseOnDeactivation(false);
        SocketSessionConfig sc = acceptor.getSessionConfig();
        sc.setTcpNoDelay(true);
        sc.setKeepAlive(true);
        sc.setReadBufferSize(4096);
        sc.setMinReadBufferSize(256);
        sc.setMaxReadBufferSize(64 * 1024);
        sc.setWriteTimeout(30);
        var chain = acceptor.getFilterChain();
        chain.addLast(GATE_FILTER, new GateFilter());
        if (spec.directTls()) {
            chain.addLast(TLS_FILTER, new XmppSslFilter(spec.tls() != null ? spec.tls() : tls));
        }
        chain.addLast(XMPP_FILTER, new XmppFilter());
        chain.addLast(EXEC_FILTER, executorFilter);
        acceptor.setHandler(new MinaHandler(this, new SessionSetup(spec.name(), spec.initialLimits(), spec.idleSeconds(),
                spec.maxPreAuthPerIp(), spec.maxWriteQueueBytes(), spec.tls() != null ? spec.tls() : tls, false, null,
                spec.handlers())));
        acceptor.bind(new InetSocketAddress(spec.bindAddress(), spec.port()));
        acceptors.add(acceptor);
        int port = acceptor.getLocalAddress().getPort();
        LOG.info("Listening for {} on {}:{}{}", spec.name(), spec.bindAddress(), port, spec.directTls() ? " (direct TLS)" : "");
        return new Listener() {
            @Override
            public int port() {
                return port;
            }

            @Override
            public void close() {
                acceptor.unbind();
            }
        };
    }

    private synchronized NioSocketConnector connector() {
        if (connector == null) {
            @SuppressWarnings("unchecked")
            NioSocketConnector c = new NioSocketConnector((IoProcessor<NioSession>) (IoProcessor<?>) processors);
            SocketSessionConfig sc = c.getSessionConfig();
            sc.setTcpNoDelay(true);
            sc.setKeepAlive(true);
            sc.setReadBufferSize(4096);
            sc.setMinReadBufferSize(256);
            sc.setMaxReadBufferSize(64 * 1024);
            sc.setWriteTimeout(30);
            c.getFilterChain().addLast(XMPP_FILTER, new XmppFilter());
            c.getFilterChain().addLast(EXEC_FILTER, executorFilter);
            c.setHandler(new MinaHandler(this, null));
            connector = c;
        }
        return connector;
    }

    @Override
    public CompletableFuture<Connection> connect(ConnectSpec spec) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        TlsContexts t = spec.tls() != null ? spec.tls() : tls;
        if (spec.directTls() && t == null) {
            result.completeExceptionally(new IllegalStateException("direct TLS needs TLS contexts"));
            return result;
        }
        SessionSetup setup = new SessionSetup(spec.name(), spec.initialLimits(), spec.idleSeconds(), 0,
                spec.maxWriteQueueBytes(), t, spec.directTls(), spec.serverName(), spec.handlers());
        InetSocketAddress addr;
        try {
            addr = new InetSocketAddress(java.net.InetAddress.getByName(spec.host()), spec.port());
        } catch (java.net.UnknownHostException e) {
            result.completeExceptionally(e);
            return result;
        }
        NioSocketConnector c = connector();
        synchronized (c) {
            c.setConnectTimeoutMillis(spec.connectTimeout().toMillis());
            ConnectFuture f = c.connect(addr, (IoSession s, ConnectFuture cf) -> s.setAttribute(SETUP, setup));
            f.addListener((ConnectFuture done) -> {
                if (done.isConnected()) {
                    MinaConnection mc = connection(done.getSession());
                    if (mc == null) {
                        done.getSession().closeNow();
                        result.completeExceptionally(new IOException("connection to " + addr + " refused locally"));
                    } else {
                        result.complete(mc);
                    }
                } else {
                    Throwable cause = done.getException();
                    result.completeExceptionally(cause instanceof IOException io ? io
                            : new IOException("cannot connect to " + addr + ": " + cause, cause));
                }
            });
        }
        return result;
    }

    @Override
    public Collection<Connection> connections() {
        List<Connection> out = new ArrayList<>();
        List<Map<Long, IoSession>> all = new ArrayList<>();
        for (NioSocketAcceptor a : acceptors) {
            all.add(a.getManagedSessions());
        }
        synchronized (this) {
            if (connector != null) {
                all.add(connector.getManagedSessions());
            }
        }
        for (Map<Long, IoSession> sessions : all) {
            for (IoSession s : sessions.values()) {
                MinaConnection c = connection(s);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (NioSocketAcceptor a : acceptors) {
            a.unbind();
            for (IoSession s : a.getManagedSessions().values()) {
                s.closeNow();
            }
            a.dispose(true);
        }
        acceptors.clear();
        synchronized (this) {
            if (connector != null) {
                for (IoSession s : connector.getManagedSessions().values()) {
                    s.closeNow();
                }
                connector.dispose(true);
                connector = null;
            }
        }
        processors.dispose();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Stanza workers still busy after 10 s; stopping them");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
