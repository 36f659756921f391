package io.switchboard.c2s;

import io.switchboard.jid.Jid;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StreamError;
import io.switchboard.xml.XmlElement;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound client session, which outlives its connection when stream management (XEP-0198) with
 * resumption is on: while detached it keeps queueing stanzas; a new stream of the same account
 * resumes it and gets exactly the stanzas the client had not acknowledged, once. A session that
 * ends with unacknowledged messages hands them back to the router (other resources, else offline
 * storage); nothing acknowledged by the server is dropped.
 *
 * @implNote {@link #deliver} is thread-safe; stream-management state is guarded by {@code sm}.
 *           Inbound counting happens on the attached stream's worker only.
 */
public final class C2sSession implements ClientSession {

    private static final Logger LOG = LoggerFactory.getLogger(C2sSession.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final long MOD = 1L << 32;
    /** Unacknowledged stanzas after which the server asks for an acknowledgement. */
    private static final int ACK_EVERY = 5;

    private final Jid jid;
    private final long id = IDS.incrementAndGet();
    private final Instant started = Instant.now();
    private final String ip;
    private final boolean secure;
    private final C2sContext ctx;

    private volatile C2sStream stream;
    private volatile boolean ended;
    private volatile Presence presence;
    private volatile boolean interested;
    private final Set<Jid> directed = new HashSet<>();
    private final java.util.concurrent.ConcurrentMap<Object, Object> attributes = new java.util.concurrent.ConcurrentHashMap<>();

    private final Object sm = new Object();
    private boolean smEnabled;
    private String smId;
    private long inboundHandled;
    private long outboundSent;
    private long outboundAcked;
    private final ArrayDeque<Stanza> unacked = new ArrayDeque<>();
    private boolean ackRequested;
    private boolean ackCheckScheduled;
    private ScheduledFuture<?> expiry;

    C2sSession(Jid jid, C2sStream stream, String ip, boolean secure, C2sContext ctx) {
        this.jid = jid;
        this.stream = stream;
        this.ip = ip;
        this.secure = secure;
        this.ctx = ctx;
    }

    // ================================================================ ClientSession

    @Override
    public Jid jid() {
        return jid;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public boolean deliver(Stanza s) {
        if (ended) {
            return false;
        }
        synchronized (sm) {
            if (ended) {
                return false;
            }
            if (inactive) {
                if (!ClientState.important(s)) {
                    // Presence waits (latest per sender); a bare chat state is dropped.
                    ClientState.hold(held, s);
                    if (held.size() >= ClientState.MAX_HELD) {
                        flushHeld();
                    }
                    return true;
                }
                flushHeld();
            }
            return send(s);
        }
    }

    /** Under {@code sm}: writes (and, with stream management, queues) one stanza. */
    private boolean send(Stanza s) {
        {
            C2sStream st = stream;
            if (!smEnabled) {
                return st != null && st.writeStanza(s);
            }
            if (unacked.size() >= ctx.maxUnacked()) {
                LOG.info("Ending the session of {}: {} stanzas not acknowledged", jid, unacked.size());
                ctx.scheduler().execute(() -> end(StreamError.of("resource-constraint",
                        "too many unacknowledged stanzas"), false));
                return false;
            }
            outboundSent = (outboundSent + 1) % MOD;
            unacked.addLast(s);
            if (st != null) {
                st.writeStanza(s);
                requestAckIfDue(st);
            }
            return true;
        }
    }

    // ================================================================ client state indication (XEP-0352)

    /** Guarded by {@code sm}: the client said it is inactive (in the background). */
    private boolean inactive;
    /** Guarded by {@code sm}: what is held back while inactive, latest presence per sender. */
    private final java.util.LinkedHashMap<Object, Stanza> held = new java.util.LinkedHashMap<>();

    /** XEP-0352: {@code <inactive/>} holds back presence and chat-state noise; {@code <active/>} releases it. */
    void setActive(boolean active) {
        synchronized (sm) {
            inactive = !active;
            if (active) {
                flushHeld();
            }
        }
    }

    private void flushHeld() {
        if (held.isEmpty()) {
            return;
        }
        java.util.List<Stanza> out = new ArrayList<>(held.values());
        held.clear();
        for (Stanza h : out) {
            send(h);
        }
    }

    /** Under {@code sm}: asks for an acknowledgement after a few stanzas, or a second after the first. */
    private void requestAckIfDue(C2sStream st) {
        if (ackRequested) {
            return;
        }
        if (unacked.size() >= ACK_EVERY) {
            ackRequested = true;
            st.writeSm(XmlElement.empty(StreamManagement.NS, "r"));
        } else if (!ackCheckScheduled) {
            ackCheckScheduled = true;
            ctx.scheduler().schedule(this::delayedAckRequest, 1, TimeUnit.SECONDS);
        }
    }

    private void delayedAckRequest() {
        synchronized (sm) {
            ackCheckScheduled = false;
            C2sStream st = stream;
            if (!ended && st != null && !ackRequested && !unacked.isEmpty()) {
                ackRequested = true;
                st.writeSm(XmlElement.empty(StreamManagement.NS, "r"));
            }
        }
    }

    @Override
    public Presence presence() {
        return presence;
    }

    @Override
    public void setPresence(Presence p) {
        this.presence = p;
    }

    @Override
    public boolean isInterested() {
        return interested;
    }

    @Override
    public void setInterested() {
        interested = true;
    }

    @Override
    public Set<Jid> directedPresence() {
        return directed;
    }

    /** Ends the session from any thread (conflict, account deleted, shutdown); never resumable. */
    @Override
    public void close(StreamError error) {
        end(error, false);
    }

    @Override
    public java.util.concurrent.ConcurrentMap<Object, Object> attributes() {
        return attributes;
    }

    @Override
    public String remoteAddress() {
        return ip;
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public Instant started() {
        return started;
    }

    public boolean isEnded() {
        return ended;
    }

    public boolean isDetached() {
        return stream == null && !ended;
    }

    @Override
    public boolean isConnected() {
        return stream != null && !ended;
    }

    // ================================================================ stream management

    /**
     * {@code <enable/>}: starts counting. Returns the resumption id, or null when the client did not
     * ask for resumption.
     */
    String enable(boolean resume) {
        synchronized (sm) {
            smEnabled = true;
            inboundHandled = 0;
            outboundSent = 0;
            outboundAcked = 0;
            if (resume) {
                smId = ctx.smRegistry().register(this);
            }
            return smId;
        }
    }

    boolean smEnabled() {
        synchronized (sm) {
            return smEnabled;
        }
    }

    String smId() {
        synchronized (sm) {
            return smId;
        }
    }

    /** One more stanza from the client was handled. */
    void handledInbound() {
        synchronized (sm) {
            if (smEnabled) {
                inboundHandled = (inboundHandled + 1) % MOD;
            }
        }
    }

    long inboundHandled() {
        synchronized (sm) {
            return inboundHandled;
        }
    }

    /**
     * The client acknowledged {@code h} stanzas in all.
     *
     * @return null when fine, else the reason the value is impossible
     */
    String acknowledge(long h) {
        synchronized (sm) {
            ackRequested = false;
            if (h < 0 || h >= MOD) {
                return "h out of range";
            }
            if (ended) {
                // The session is over and its unacknowledged stanzas were handed on when it ended (an
                // account removed, a conflict): an acknowledgement still on its way has nothing to match.
                return null;
            }
            long count = Math.floorMod(h - outboundAcked, MOD);
            if (count > unacked.size()) {
                return "h=" + h + " acknowledges " + count + " stanzas, but only " + unacked.size()
                        + " of the " + outboundSent + " sent are unacknowledged";
            }
            for (long i = 0; i < count; i++) {
                unacked.pollFirst();
            }
            outboundAcked = h;
            return null;
        }
    }

    /** The connection is gone without a clean close: keep the session for resumption, or end it. */
    void detach(C2sStream from) {
        boolean keep;
        synchronized (sm) {
            if (stream != from || ended) {
                return;
            }
            stream = null;
            keep = smEnabled && smId != null;
            if (keep) {
                long secs = ctx.resumeTimeout().toSeconds();
                expiry = ctx.scheduler().schedule(() -> end(null, false), secs, TimeUnit.SECONDS);
                LOG.debug("Session {} detached; resumable for {} s with {} unacknowledged stanzas", jid, secs,
                        unacked.size());
            }
        }
        if (!keep) {
            end(null, false);
        }
    }

    /**
     * Moves the session to a new stream: acknowledges {@code h}, writes {@code <resumed/>} (built by
     * {@code resumed} from the server's handled count), then resends what is still unacknowledged,
     * in order. All of it happens under the stream-management lock, so no concurrent delivery can
     * slip in between the switch and the retransmission (which would duplicate and reorder it).
     *
     * @return false when {@code h} is impossible or the session is gone
     */
    boolean resume(C2sStream to, long h, java.util.function.LongFunction<XmlElement> resumed) {
        C2sStream old;
        synchronized (sm) {
            if (ended || acknowledge(h) != null) {
                return false;
            }
            if (expiry != null) {
                expiry.cancel(false);
                expiry = null;
            }
            old = stream;
            stream = to;
            to.writeSm(resumed.apply(inboundHandled));
            for (Stanza s : unacked) {
                to.writeStanza(s);
            }
            ackRequested = !unacked.isEmpty();
            if (ackRequested) {
                to.writeSm(XmlElement.empty(StreamManagement.NS, "r"));
            }
        }
        if (old != null && old != to) {
            // The client reconnected before we noticed the old connection was dead.
            old.supersede();
        }
        return true;
    }

    // ================================================================ the end

    /**
     * Ends the session once: closes its stream (with {@code error}, or cleanly), unbinds it, sends
     * unavailable presence on its behalf, and hands unacknowledged stanzas back to the router.
     *
     * @param cleanClose the client closed its stream itself
     */
    void end(StreamError error, boolean cleanClose) {
        C2sStream st;
        List<Stanza> pending;
        synchronized (sm) {
            if (ended) {
                return;
            }
            ended = true;
            if (expiry != null) {
                expiry.cancel(false);
            }
            st = stream;
            stream = null;
            pending = new ArrayList<>(unacked);
            unacked.clear();
            if (smId != null) {
                ctx.smRegistry().remove(smId, this);
            }
        }
        if (st != null) {
            st.sessionEnded(error);
        }
        boolean removed = ctx.sessions().unbind(this);
        if (removed) {
            try {
                ctx.presence().sessionClosed(this, null);
            } catch (RuntimeException e) {
                LOG.warn("Cleaning up the session of {} failed", jid, e);
            }
        }
        reroute(pending);
        LOG.debug("Session {} ended{}", jid, cleanClose ? " by the client" : "");
    }

    /**
     * XEP-0198 §4: stanzas the client never acknowledged were never delivered. Messages go to the
     * account's other resources or to offline storage; requests get an error; the rest is dropped.
     */
    private void reroute(List<Stanza> pending) {
        if (pending.isEmpty()) {
            return;
        }
        LOG.info("Session {} ended with {} unacknowledged stanzas; redelivering them", jid, pending.size());
        for (Stanza s : pending) {
            try {
                if (s instanceof Message m && m.type() != Message.Type.ERROR && m.type() != Message.Type.GROUPCHAT
                        && m.type() != Message.Type.HEADLINE) {
                    ctx.router().redeliverMessage(m.withTo(jid.bare()));
                } else if (s instanceof Iq iq && iq.type().isRequest() && iq.from() != null) {
                    ctx.router().bounce(iq, StanzaError.recipientUnavailable(null));
                } else if (s instanceof Presence) {
                    LOG.trace("Dropping unacknowledged presence to {}", jid);
                }
            } catch (RuntimeException e) {
                LOG.warn("Could not redeliver a stanza of {}: {}", jid, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "session " + jid;
    }
}
