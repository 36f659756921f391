package io.switchboard.bench.client;

import io.switchboard.bench.Target;
import io.switchboard.tls.AcceptAnyCertificate;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The load client: a fixed number of {@link EventLoop}s (one thread each) sharing the target,
 * one TLS context and the SCRAM key cache. Sessions are pinned to a loop for life.
 */
public final class ClientPool implements AutoCloseable {

    private final Target target;
    private final List<EventLoop> loops = new ArrayList<>();
    private final SSLContext ssl;
    private final ScramCache cache;
    private final boolean sendPresence;
    private final AtomicInteger nextSource = new AtomicInteger();
    private final String cachePrefix;

    public ClientPool(Target target, int threads, ScramCache cache, boolean sendPresence) {
        this.target = target;
        this.cache = cache;
        this.sendPresence = sendPresence;
        this.cachePrefix = target.address().getAddress().getHostAddress() + ":" + target.address().getPort() + "/"
                + target.domain() + "/";
        try {
            ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[]{new AcceptAnyCertificate()}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < threads; i++) {
            EventLoop l = new EventLoop(i);
            loops.add(l);
            l.start();
        }
    }

    public Target target() {
        return target;
    }

    public int loopCount() {
        return loops.size();
    }

    public EventLoop loop(int i) {
        return loops.get(i);
    }

    public List<EventLoop> loops() {
        return loops;
    }

    SSLContext sslContext() {
        return ssl;
    }

    public ScramCache scramCache() {
        return cache;
    }

    String cacheKey(String user) {
        return cachePrefix + user;
    }

    /** True when the cache holds a salted password for the account. */
    public boolean cached(int number) {
        return cache.knows(cacheKey(target.user(number)));
    }

    boolean sendPresence() {
        return sendPresence;
    }

    InetAddress nextSourceAddress() {
        List<InetAddress> s = target.sourceAddresses();
        if (s.isEmpty()) {
            return null;
        }
        return s.get(Math.floorMod(nextSource.getAndIncrement(), s.size()));
    }

    /** A session for account number {@code number} on loop {@code loop}; not connected yet. */
    public XmppSession session(int loop, int number, SessionListener listener) {
        return new XmppSession(this, loops.get(loop), number, listener, false);
    }

    /** A session that registers its account in-band (XEP-0077) instead of logging in. */
    public XmppSession registration(int loop, int number, SessionListener listener) {
        return new XmppSession(this, loops.get(loop), number, listener, true);
    }

    /** Connects from any thread. */
    public void connect(XmppSession s) {
        s.loop().execute(s::connect);
    }

    /** CPU time of all loop threads, nanoseconds. */
    public long loopCpuNanos() {
        long t = 0;
        for (EventLoop l : loops) {
            t += l.cpuNanos();
        }
        return t;
    }

    /** A loop thread that died (a bug in the client); null when all are well. */
    public Throwable failure() {
        for (EventLoop l : loops) {
            if (l.failure() != null) {
                return l.failure();
            }
        }
        return null;
    }

    @Override
    public void close() {
        for (EventLoop l : loops) {
            l.stop();
        }
        for (EventLoop l : loops) {
            try {
                l.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
