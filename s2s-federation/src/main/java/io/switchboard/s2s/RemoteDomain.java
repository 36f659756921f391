package io.switchboard.s2s;

import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.transport.ConnectSpec;
import io.switchboard.transport.Connection;
import io.switchboard.xml.XmlLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side for one remote domain: a bounded queue of stanzas waiting for a stream, the
 * stream (opened on demand, reused, closed when idle), and the dialback verifications this server
 * asks the remote domain's authoritative server for. Failures and timeouts bounce the queued
 * stanzas (never error stanzas: {@code StanzaRouter.bounce} drops those).
 *
 * <p>A connection becomes the domain's stream in its own {@code onOpen} ({@link #opened}), on the
 * stream's worker before it reads anything, not when the connector thread sees the connect return:
 * a peer that answers at once finds the stream recorded (its verifications are sent, its
 * authentication counts). A connection that opens after its attempt was given up (timed out,
 * superseded) is closed.
 *
 * @implNote thread-safe: called from stanza workers, the stream's worker, the connect pool and the
 *           scheduler; this object's lock guards its state, bounces and callbacks run outside it.
 */
final class RemoteDomain {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteDomain.class);

    private record Verify(String streamId, String key, Consumer<Boolean> result, long deadline) {
    }

    private final FederationModule m;
    private final DomainPair pair;
    private final String local;
    private final String remote;
    private final ArrayDeque<Stanza> queue = new ArrayDeque<>();
    private final List<Verify> verifies = new ArrayList<>();
    private final List<Verify> sent = new ArrayList<>();
    private OutboundStream stream;
    /** The stream the connector is connecting, which may become {@link #stream} when it opens. */
    private OutboundStream dialing;
    private boolean ready;
    private boolean connecting;
    private int generation;
    private long lastUsed = System.nanoTime();
    private ScheduledFuture<?> timeout;

    RemoteDomain(FederationModule m, DomainPair pair) {
        this.m = m;
        this.pair = pair;
        this.local = pair.local();
        this.remote = pair.remote();
    }

    DomainPair pair() {
        return pair;
    }

    String localDomain() {
        return local;
    }

    String remoteDomain() {
        return remote;
    }

    synchronized boolean isReady() {
        return ready;
    }

    /** Nothing connected, connecting or waiting: the entry can be dropped. */
    synchronized boolean isDormant() {
        return !ready && !connecting && queue.isEmpty() && verifies.isEmpty() && sent.isEmpty();
    }

    void send(Stanza s) {
        StanzaError reject = null;
        synchronized (this) {
            lastUsed = System.nanoTime();
            if (ready && stream != null && stream.isOpen()) {
                stream.send(s);
                return;
            }
            if (queue.size() >= m.maxQueue()) {
                reject = StanzaError.resourceConstraint("too many stanzas waiting for " + remote);
            } else {
                queue.add(s);
                startIfIdle();
            }
        }
        if (reject != null) {
            m.context().router().bounce(s, reject);
        }
    }

    void verify(String streamId, String key, Consumer<Boolean> result) {
        Verify v = new Verify(streamId, key, result, System.nanoTime() + m.connectTimeout().toNanos());
        synchronized (this) {
            if (stream != null && stream.canVerify()) {
                sent.add(v);
                stream.sendVerify(v.streamId(), v.key());
            } else {
                verifies.add(v);
                startIfIdle();
            }
        }
    }

    /** Holds the lock. */
    private void startIfIdle() {
        if (connecting || ready) {
            return;
        }
        connecting = true;
        int gen = ++generation;
        timeout = m.context().scheduler().schedule(() -> timedOut(gen), m.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        m.connector().execute(() -> connect(gen));
    }

    private synchronized boolean current(int gen) {
        return gen == generation && connecting;
    }

    private void connect(int gen) {
        List<Resolver.Target> targets;
        try {
            targets = m.resolver().resolve(remote);
        } catch (RuntimeException e) {
            LOG.warn("Cannot resolve {}: {}", remote, e.toString());
            targets = List.of();
        }
        if (targets.isEmpty()) {
            failed(gen, null, StanzaError.remoteServerNotFound("no server found for " + remote));
            return;
        }
        long deadline = System.nanoTime() + m.connectTimeout().toNanos();
        for (Resolver.Target t : targets) {
            if (!current(gen)) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            OutboundStream os = new OutboundStream(m, this, gen);
            ConnectSpec spec = new ConnectSpec("s2s to " + remote, t.host(), t.port(), t.directTls(), remote,
                    XmlLimits.preAuthDefaults(), 0, 16L * 1024 * 1024,
                    java.time.Duration.ofNanos(left), m.tls(), os::attach);
            synchronized (this) {
                if (gen != generation || !connecting) {
                    return;
                }
                dialing = os;
            }
            CompletableFuture<Connection> f = m.connect(spec);
            try {
                Connection c = f.get(left, TimeUnit.NANOSECONDS);
                synchronized (this) {
                    if (stream != os && dialing != os) {
                        // Given up meanwhile (timed out, failed): its onOpen refuses it, or did.
                        c.abort();
                        return;
                    }
                }
                // The stream records itself in its onOpen, if it has not already.
                LOG.debug("Connected to {} at {}", remote, t);
                return;
            } catch (ExecutionException e) {
                LOG.info("Cannot connect to {} at {}: {}", remote, t, e.getCause() == null ? e : e.getCause().getMessage());
                abandon(os, f);
            } catch (TimeoutException e) {
                if (!abandon(os, f)) {
                    return; // it opened just as the wait ended
                }
                LOG.info("Connecting to {} at {} timed out", remote, t);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon(os, f);
                return;
            }
        }
        failed(gen, null, StanzaError.remoteServerNotFound("cannot connect to " + remote));
    }

    /**
     * The connector gives up a connect: a connection that still completes is closed (its onOpen
     * refuses it too). False when the stream opened already (it is the domain's stream).
     */
    private boolean abandon(OutboundStream os, CompletableFuture<Connection> f) {
        synchronized (this) {
            if (stream == os) {
                return false;
            }
            if (dialing == os) {
                dialing = null;
            }
        }
        f.whenComplete((c, e) -> {
            if (c != null) {
                LOG.debug("Closing a connection to {} that completed after it was given up", remote);
                c.abort();
            }
        });
        return true;
    }

    /**
     * Called by the stream in its {@code onOpen}, on its worker before any input: true when it is
     * the connection of the current attempt and is now the domain's stream; false when the attempt
     * was given up (the caller closes the connection).
     */
    synchronized boolean opened(OutboundStream os) {
        if (os != dialing || os.generation() != generation || !connecting || stream != null) {
            return false;
        }
        dialing = null;
        stream = os;
        return true;
    }

    private void timedOut(int gen) {
        OutboundStream os;
        synchronized (this) {
            if (gen != generation || ready) {
                return;
            }
            os = stream;
        }
        LOG.info("No authenticated stream to {} within {}; bouncing what waits for it", remote, m.connectTimeout());
        failed(gen, os, StanzaError.remoteServerTimeout("no stream to " + remote + " within " + m.connectTimeout()));
        if (os != null) {
            os.abort();
        }
    }

    /** The stream authenticated: send what waits. */
    void streamReady(OutboundStream os) {
        synchronized (this) {
            if (os.generation() != generation || stream != os) {
                return;
            }
            ready = true;
            connecting = false;
            if (timeout != null) {
                timeout.cancel(false);
            }
            lastUsed = System.nanoTime();
            while (!queue.isEmpty()) {
                os.send(queue.poll());
            }
        }
        LOG.info("Outbound stream {} -> {} authenticated", local, remote);
    }

    /** The stream may carry dialback verifications now: send those waiting. */
    void flushVerifies(OutboundStream os) {
        synchronized (this) {
            if (stream != os) {
                return;
            }
            for (Verify v : verifies) {
                sent.add(v);
                os.sendVerify(v.streamId(), v.key());
            }
            verifies.clear();
        }
    }

    /** The authoritative server answered one of our verifications. */
    void verifyAnswer(String streamId, boolean valid) {
        Verify found = null;
        synchronized (this) {
            for (Iterator<Verify> it = sent.iterator(); it.hasNext(); ) {
                Verify v = it.next();
                if (v.streamId().equals(streamId)) {
                    it.remove();
                    found = v;
                    break;
                }
            }
        }
        if (found == null) {
            LOG.info("Ignoring an unsolicited dialback verification answer from {}", remote);
            return;
        }
        found.result().accept(valid);
    }

    /** The stream failed or closed: bounce what waits, answer the verifications as invalid. */
    void failed(int gen, OutboundStream os, StanzaError error) {
        List<Stanza> dropped = new ArrayList<>();
        List<Verify> unanswered = new ArrayList<>();
        synchronized (this) {
            // Only the domain's stream fails the attempt; a connection never recorded (refused in its
            // onOpen, given up) closes without consequence.
            if (gen != generation || (os != null && stream != os)) {
                return;
            }
            generation++;
            ready = false;
            connecting = false;
            stream = null;
            dialing = null;
            if (timeout != null) {
                timeout.cancel(false);
            }
            dropped.addAll(queue);
            queue.clear();
            unanswered.addAll(verifies);
            unanswered.addAll(sent);
            verifies.clear();
            sent.clear();
        }
        if (!dropped.isEmpty()) {
            LOG.info("Bouncing {} stanzas for {}: {}", dropped.size(), remote, error.condition());
        }
        for (Stanza s : dropped) {
            m.context().router().bounce(s, error);
        }
        for (Verify v : unanswered) {
            v.result().accept(false);
        }
    }

    /** Periodic: expire verifications, close an idle stream. */
    void sweep(long now) {
        List<Verify> expired = new ArrayList<>();
        OutboundStream idle = null;
        synchronized (this) {
            for (List<Verify> l : List.of(verifies, sent)) {
                for (Iterator<Verify> it = l.iterator(); it.hasNext(); ) {
                    Verify v = it.next();
                    if (now - v.deadline() > 0) {
                        it.remove();
                        expired.add(v);
                    }
                }
            }
            if (ready && now - lastUsed > m.idleTimeout().toNanos() && sent.isEmpty() && verifies.isEmpty()) {
                idle = stream;
                ready = false;
                stream = null;
                generation++;
            }
        }
        for (Verify v : expired) {
            v.result().accept(false);
        }
        if (idle != null) {
            LOG.info("Closing the idle stream to {}", remote);
            idle.closeIdle();
        }
    }

    void shutdown() {
        OutboundStream os;
        synchronized (this) {
            os = stream;
        }
        if (os != null) {
            os.shutdown();
        }
    }
}
