package io.switchboard.c2s;

import io.switchboard.auth.AuthContext;
import io.switchboard.auth.FastServer;
import io.switchboard.auth.PlainServer;
import io.switchboard.auth.SaslFailure;
import io.switchboard.auth.SaslServer;
import io.switchboard.auth.SaslStep;
import io.switchboard.auth.ScramServer;
import io.switchboard.config.CoreSettings.ResourceConflict;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Presence;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.stanza.StreamError;
import io.switchboard.store.ScramHash;
import io.switchboard.store.StorageException;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionHandler;
import io.switchboard.transport.TlsInfo;
import io.switchboard.xml.Ns;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlName;
import io.switchboard.xml.XmlStreamException;
import io.switchboard.xml.XmlWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client-to-server stream (RFC 6120): header exchange, STARTTLS, SASL, resource binding, then
 * the bound session itself. Negotiation is a small state machine; each state offers its own
 * stream features and accepts only its own elements.
 *
 * @implNote events arrive one at a time on the connection's worker; they and the delayed SASL
 *           answers synchronize on this object. {@link #deliver} is called by other sessions'
 *           workers and only touches the thread-safe connection.
 */
public final class C2sStream implements ConnectionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(C2sStream.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String RESOURCE_CHARS = "abcdefghijkmnopqrstuvwxyz23456789";

    private enum State {
        /** Waiting for the stream header. */
        CONNECTED,
        /** Header exchanged, not authenticated. */
        NEGOTIATING,
        /** Authenticated, waiting for the restart. */
        AUTHENTICATED,
        /** Restarted after authentication, resource not bound yet. */
        BINDING,
        /** A bound session. */
        READY,
        CLOSED
    }

    private final Connection conn;
    private final C2sContext ctx;
    private final Instant started = Instant.now();
    private final String ip;

    private State state = State.CONNECTED;
    private volatile boolean headerSent;
    /** Set once the stream is being closed, by whichever thread closes it. */
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private String streamId;
    private SaslServer sasl;
    private List<String> offeredMechanisms = List.of();
    private int authFailures;
    private Jid user;
    private volatile Jid full;
    private volatile boolean closed;
    private ScheduledFuture<?> preAuthTimer;
    private boolean pingOutstanding;
    /** The bound session, once there is one. */
    private volatile C2sSession session;
    /** The client closed its stream itself: its session is not kept for resumption. */
    private boolean cleanClose;
    /** Another stream resumed this one's session. */
    private volatile boolean superseded;

    public C2sStream(Connection conn, C2sContext ctx) {
        this.conn = conn;
        this.ctx = ctx;
        this.ip = conn.remoteAddress().getAddress().getHostAddress();
    }

    // ================================================================ connection events

    @Override
    public synchronized void onOpen() {
        ctx.streams().add(this);
        preAuthTimer = ctx.scheduler().schedule(this::preAuthTimeout, ctx.preAuthTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private synchronized void preAuthTimeout() {
        if (state != State.READY && state != State.CLOSED) {
            LOG.info("Closing the connection from {}: not authenticated and bound within {} s", ip,
                    ctx.preAuthTimeout().toSeconds());
            streamErrorLogged(StreamError.of("connection-timeout", "authentication took too long"));
        }
    }

    @Override
    public boolean pausesInputAfter(XmlElement e) {
        // After these the bytes that follow may have to be read differently (TLS, restart).
        return e.is(Ns.TLS, "starttls") || e.ns().equals(Ns.SASL);
    }

    @Override
    public synchronized void onStreamOpen(StreamHeader h) {
        if (state == State.CLOSED) {
            return;
        }
        // Every stream, restarts included, gets a new header and id (RFC 6120 §4.3.3).
        headerSent = false;
        streamId = newId();
        if (!h.name().equals(XmlName.of(Ns.STREAMS, "stream"))) {
            streamError(StreamError.of("invalid-namespace", "expected <stream:stream>, got <" + h.name().local()
                    + (h.name().ns().isEmpty() ? "" : " xmlns='" + h.name().ns() + "'") + ">"));
            return;
        }
        if (!Ns.CLIENT.equals(h.contentNs())) {
            sendHeader(null);
            streamError(StreamError.of("invalid-namespace", "the content namespace must be jabber:client, not '"
                    + h.contentNs() + "'"));
            return;
        }
        String to = h.attr("to");
        if (to != null) {
            String d;
            try {
                d = Jid.enforceDomain(to);
            } catch (MalformedJidException e) {
                d = null;
            }
            if (d == null || !d.equals(ctx.domain())) {
                sendHeader(null);
                streamError(StreamError.of("host-unknown", "this server hosts " + ctx.domain()));
                return;
            }
        }
        String version = h.attr("version");
        if (version == null || !version.startsWith("1.")) {
            sendHeader(null);
            streamError(StreamError.of("unsupported-version", "XMPP 1.0 is required"));
            return;
        }
        String from = h.attr("from");
        Jid fromJid = from == null ? null : Jid.tryOf(from).orElse(null);
        sendHeader(fromJid);
        if (state == State.AUTHENTICATED) {
            state = State.BINDING;
            conn.write(features(true));
        } else {
            state = State.NEGOTIATING;
            conn.write(features(false));
        }
    }

    @Override
    public synchronized void onElement(XmlElement e) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            switch (state) {
                case NEGOTIATING -> negotiating(e);
                case BINDING -> binding(e);
                case READY -> ready(e);
                default -> streamError(StreamError.of("not-authorized", null));
            }
        } catch (StorageException ex) {
            LOG.error("Storage failed while handling a stanza from {}: {}", full == null ? ip : full, ex.getMessage());
            failed(e, "temporary storage failure");
        } catch (RuntimeException ex) {
            LOG.error("Failed to handle an element from {}", full == null ? ip : full, ex);
            failed(e, null);
        }
    }

    /** An internal failure: a stanza gets an error; a negotiation element ends the stream (it cannot go on). */
    private void failed(XmlElement e, String text) {
        if (Stanza.isStanza(e)) {
            answerError(e, StanzaError.internalServerError(text));
        } else {
            streamError(StreamError.of("internal-server-error", text));
        }
    }

    @Override
    public synchronized void onStreamClose() {
        cleanClose = true;
        closeNow();
    }

    @Override
    public synchronized void onParseError(XmlStreamException error) {
        LOG.info("Closing the stream from {}: {} ({})", full == null ? ip : full, error.condition().element(),
                error.getMessage());
        streamErrorLogged(StreamError.of(error.condition().element(), error.condition() == XmlStreamException.Condition.POLICY_VIOLATION
                ? error.getMessage() : null));
    }

    @Override
    public synchronized void onIdle() {
        if (state != State.READY || closed) {
            return;
        }
        if (pingOutstanding) {
            return;
        }
        pingOutstanding = true;
        long readBefore = conn.lastReadTime();
        String id = ctx.tracker().newId("ping-");
        Jid me = full;
        ctx.tracker().expect(me, id, ctx.pingTimeout(), answer -> pingAnswered(answer, readBefore));
        conn.write(Iq.request(Iq.Type.GET, id, Jid.domain(ctx.domain()), me,
                XmlElement.empty(Ns.PING, "ping")).element());
    }

    private synchronized void pingAnswered(Iq answer, long readBefore) {
        pingOutstanding = false;
        if (answer == null && conn.lastReadTime() == readBefore && state == State.READY) {
            LOG.info("Closing the stream of {}: no answer to a ping within {} s", full, ctx.pingTimeout().toSeconds());
            streamErrorLogged(StreamError.of("connection-timeout", null));
        }
    }

    @Override
    public void onClosed() {
        C2sSession bound;
        boolean clean;
        synchronized (this) {
            state = State.CLOSED;
            closed = true;
            if (preAuthTimer != null) {
                preAuthTimer.cancel(false);
            }
            ctx.streams().remove(this);
            bound = session;
            clean = cleanClose;
        }
        if (bound == null || superseded) {
            return;
        }
        if (clean) {
            // XEP-0198 §5: a cleanly closed stream is not resumable.
            bound.end(null, true);
        } else {
            bound.detach(this);
        }
    }

    // ================================================================ negotiation

    private void negotiating(XmlElement e) {
        boolean secure = conn.isSecure();
        if (e.is(Ns.TLS, "starttls")) {
            if (secure || !ctx.tlsAvailable()) {
                conn.write(XmlElement.empty(Ns.TLS, "failure"));
                closeNow();
                return;
            }
            if (conn.hasPipelinedInput()) {
                // security.md C3: nothing sent after <starttls/> may act after the handshake.
                LOG.info("Closing the stream from {}: data pipelined after <starttls/>", ip);
                streamErrorLogged(StreamError.of("policy-violation", "no data may follow <starttls/> before <proceed/>"));
                return;
            }
            conn.startTls(XmlElement.empty(Ns.TLS, "proceed"));
            return;
        }
        if (ctx.requireTls() && !secure) {
            // security.md B1, C2: nothing but STARTTLS before TLS; credentials are not evaluated.
            streamError(StreamError.of("policy-violation", "STARTTLS is required"));
            return;
        }
        if (e.ns().equals(Ns.SASL)) {
            sasl(e);
            return;
        }
        if (e.ns().equals(Sasl2.NS)) {
            sasl2(e);
            return;
        }
        if (e.is(Ns.CLIENT, "iq")) {
            preAuthIq(e);
            return;
        }
        if (Stanza.isStanza(e)) {
            streamError(StreamError.of("not-authorized", "authenticate first"));
            return;
        }
        unsupported(e);
    }

    private void preAuthIq(XmlElement e) {
        Iq iq;
        try {
            iq = Iq.of(e.withAttr("from", null).withAttr("to", null));
        } catch (StanzaException ex) {
            answerError(e, ex.error());
            return;
        }
        XmlElement q = iq.payload();
        if (q != null && q.ns().equals(Ns.REGISTER) && iq.type().isRequest()) {
            if (ctx.registration() == null) {
                answerError(e, StanzaError.notAllowed("registration is closed on this server"));
                return;
            }
            try {
                conn.write(ctx.registration().handle(iq, ip).withFrom(null).withTo(null).element());
            } catch (StanzaException ex) {
                answerError(e, ex.error());
            }
            return;
        }
        streamError(StreamError.of("not-authorized", "authenticate first"));
    }

    private void sasl(XmlElement e) {
        switch (e.local()) {
            case "auth" -> {
                String mech = e.attr("mechanism");
                if (sasl != null) {
                    saslFailure(SaslFailure.MALFORMED_REQUEST, "an exchange is already in progress", false);
                    return;
                }
                if (mech == null || !offeredMechanisms.contains(mech)) {
                    saslFailure(SaslFailure.INVALID_MECHANISM, null, false);
                    return;
                }
                byte[] initial;
                try {
                    initial = decode(e.text());
                } catch (IllegalArgumentException ex) {
                    saslFailure(SaslFailure.INCORRECT_ENCODING, null, false);
                    return;
                }
                sasl = newMechanism(mech);
                step(sasl.evaluate(initial));
            }
            case "response" -> {
                if (sasl == null) {
                    saslFailure(SaslFailure.MALFORMED_REQUEST, "no exchange in progress", false);
                    return;
                }
                byte[] data;
                try {
                    String t = e.text();
                    data = t.isEmpty() ? new byte[0] : decode(t);
                } catch (IllegalArgumentException ex) {
                    sasl = null;
                    saslFailure(SaslFailure.INCORRECT_ENCODING, null, false);
                    return;
                }
                step(sasl.evaluate(data));
            }
            case "abort" -> {
                sasl = null;
                saslFailure(SaslFailure.ABORTED, null, false);
            }
            default -> {
                saslFailure(SaslFailure.MALFORMED_REQUEST, null, false);
            }
        }
    }

    /** Base64 of an {@code <auth/>} or {@code <response/>}: empty means "no data", "=" means empty data. */
    private static byte[] decode(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            return null;
        }
        if (t.equals("=")) {
            return new byte[0];
        }
        return Base64.getDecoder().decode(t);
    }

    private SaslServer newMechanism(String mech) {
        AuthContext ac = new AuthContext(ctx.domain(), conn.tls(), offeredMechanisms.stream().anyMatch(m -> m.endsWith("-PLUS")));
        return switch (mech) {
            case "SCRAM-SHA-256-PLUS" -> new ScramServer(ScramHash.SHA_256, true, ac, ctx.credentials());
            case "SCRAM-SHA-1-PLUS" -> new ScramServer(ScramHash.SHA_1, true, ac, ctx.credentials());
            case "SCRAM-SHA-256" -> new ScramServer(ScramHash.SHA_256, false, ac, ctx.credentials());
            case "SCRAM-SHA-1" -> new ScramServer(ScramHash.SHA_1, false, ac, ctx.credentials());
            case "PLAIN" -> new PlainServer(ac, ctx.credentials());
            case FastServer.NONE, FastServer.ENDP, FastServer.EXPR -> {
                XmlElement fast = sasl2Request == null ? null : sasl2Request.child(Sasl2.FAST, "fast");
                long count = -1;
                if (fast != null && fast.attr("count") != null) {
                    try {
                        count = Long.parseLong(fast.attr("count"));
                    } catch (NumberFormatException ex) {
                        count = Long.MAX_VALUE;
                    }
                }
                yield new FastServer(mech, ac, ctx.fastTokens(), sasl2Agent, count, ctx.clock());
            }
            default -> throw new IllegalStateException("unknown mechanism " + mech);
        };
    }

    private void step(SaslStep s) {
        if (s instanceof SaslStep.Challenge c) {
            conn.write(XmlElement.builder(Ns.SASL, "challenge").text(encode(c.data())).build());
            conn.resumeInput(false);
            return;
        }
        sasl = null;
        String account = s instanceof SaslStep.Success ok ? ok.user().toString()
                : ((SaslStep.Failure) s).attemptedUser() == null ? null : ((SaslStep.Failure) s).attemptedUser().toString();
        long delay = ctx.throttle().delayMillis(ip, account);
        if (s instanceof SaslStep.Failure f && f.credentialsChecked()) {
            ctx.throttle().failed(ip, account);
        }
        if (delay <= 0) {
            finish(s);
        } else {
            LOG.info("Delaying the authentication answer to {} by {} ms after repeated failures", ip, delay);
            ctx.scheduler().schedule(() -> finishLater(s), delay, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void finishLater(SaslStep s) {
        if (state != State.CLOSED) {
            finish(s);
        }
    }

    private void finish(SaslStep s) {
        if (s instanceof SaslStep.Success ok) {
            user = ok.user();
            state = State.AUTHENTICATED;
            XmlElement.Builder b = XmlElement.builder(Ns.SASL, "success");
            if (ok.additionalData() != null) {
                b.text(Base64.getEncoder().encodeToString(ok.additionalData()));
            }
            conn.write(b.build());
            conn.markAuthenticated();
            conn.setLimits(ctx.limits());
            LOG.debug("{} authenticated {} from {}", streamId, user, ip);
            conn.resumeInput(true);
        } else if (s instanceof SaslStep.Failure f) {
            if (f.credentialsChecked()) {
                LOG.info("Authentication failed for {} from {}", f.attemptedUser(), ip);
            }
            saslFailure(f.condition(), f.text(), true);
        }
    }

    private void saslFailure(SaslFailure condition, String text, boolean counts) {
        XmlElement.Builder b = XmlElement.builder(Ns.SASL, "failure").emptyChild(Ns.SASL, condition.element());
        if (text != null) {
            b.textChild(Ns.SASL, "text", text);
        }
        conn.write(b.build());
        if (counts && condition != SaslFailure.ABORTED && ++authFailures >= ctx.maxAuthFailures()) {
            LOG.info("Closing the stream from {}: {} failed authentications", ip, authFailures);
            streamErrorLogged(StreamError.of("policy-violation", "too many failed authentication attempts"));
            return;
        }
        conn.resumeInput(false);
    }

    private static String encode(byte[] data) {
        return data == null || data.length == 0 ? "=" : Base64.getEncoder().encodeToString(data);
    }

    // ================================================================ SASL2, Bind2, FAST (XEP-0388, 0386, 0484)

    /** The {@code <authenticate/>} being processed, with its inline requests. */
    private XmlElement sasl2Request;
    private String sasl2Agent;

    private void sasl2(XmlElement e) {
        switch (e.local()) {
            case "authenticate" -> {
                String mech = e.attr("mechanism");
                if (sasl != null) {
                    sasl2Failure(SaslFailure.MALFORMED_REQUEST, "an exchange is already in progress", false);
                    return;
                }
                if (mech == null || !sasl2Mechanisms().contains(mech)) {
                    sasl2Failure(SaslFailure.INVALID_MECHANISM, null, false);
                    return;
                }
                XmlElement ua = e.child(Sasl2.NS, "user-agent");
                sasl2Request = e;
                sasl2Agent = ua == null ? null : ua.attr("id");
                byte[] initial;
                try {
                    XmlElement ir = e.child(Sasl2.NS, "initial-response");
                    initial = ir == null ? null : Base64.getDecoder().decode(ir.text().trim());
                } catch (IllegalArgumentException ex) {
                    sasl2Failure(SaslFailure.INCORRECT_ENCODING, null, false);
                    return;
                }
                sasl = newMechanism(mech);
                sasl2Step(sasl.evaluate(initial));
            }
            case "response" -> {
                if (sasl == null || sasl2Request == null) {
                    sasl2Failure(SaslFailure.MALFORMED_REQUEST, "no exchange in progress", false);
                    return;
                }
                byte[] data;
                try {
                    data = Base64.getDecoder().decode(e.text().trim());
                } catch (IllegalArgumentException ex) {
                    sasl = null;
                    sasl2Failure(SaslFailure.INCORRECT_ENCODING, null, false);
                    return;
                }
                sasl2Step(sasl.evaluate(data));
            }
            case "abort" -> {
                sasl = null;
                sasl2Failure(SaslFailure.ABORTED, null, false);
            }
            default -> sasl2Failure(SaslFailure.MALFORMED_REQUEST, null, false);
        }
    }

    private List<String> sasl2Mechanisms() {
        List<String> all = new ArrayList<>(offeredMechanisms);
        all.addAll(fastMechanisms());
        return all;
    }

    /** HT mechanisms this connection can verify. */
    private List<String> fastMechanisms() {
        if (ctx.fastTokens() == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(List.of(FastServer.NONE));
        TlsInfo tls = conn.tls();
        if (tls != null && tls.channelBindingTypes().contains("tls-server-end-point")) {
            out.add(FastServer.ENDP);
        }
        if (tls != null && tls.channelBindingTypes().contains("tls-exporter")) {
            out.add(FastServer.EXPR);
        }
        return out;
    }

    private void sasl2Step(SaslStep s) {
        if (s instanceof SaslStep.Challenge c) {
            conn.write(XmlElement.builder(Sasl2.NS, "challenge").text(Base64.getEncoder().encodeToString(c.data())).build());
            return;
        }
        SaslServer mechanism = sasl;
        sasl = null;
        String account = s instanceof SaslStep.Success ok ? ok.user().toString()
                : ((SaslStep.Failure) s).attemptedUser() == null ? null : ((SaslStep.Failure) s).attemptedUser().toString();
        long delay = ctx.throttle().delayMillis(ip, account);
        if (s instanceof SaslStep.Failure f && f.credentialsChecked()) {
            ctx.throttle().failed(ip, account);
        }
        if (delay <= 0) {
            finish2(s, mechanism);
        } else {
            LOG.info("Delaying the authentication answer to {} by {} ms after repeated failures", ip, delay);
            ctx.scheduler().schedule(() -> finish2Later(s, mechanism), delay, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void finish2Later(SaslStep s, SaslServer mechanism) {
        if (state != State.CLOSED) {
            finish2(s, mechanism);
        }
    }

    private void sasl2Failure(SaslFailure condition, String text, boolean counts) {
        XmlElement.Builder b = XmlElement.builder(Sasl2.NS, "failure").emptyChild(Ns.SASL, condition.element());
        if (text != null) {
            b.textChild(Sasl2.NS, "text", text);
        }
        conn.write(b.build());
        sasl2Request = null;
        if (counts && condition != SaslFailure.ABORTED && ++authFailures >= ctx.maxAuthFailures()) {
            LOG.info("Closing the stream from {}: {} failed authentications", ip, authFailures);
            streamErrorLogged(StreamError.of("policy-violation", "too many failed authentication attempts"));
        }
    }

    /** Success: no stream restart (XEP-0388); inline resumption, binding and token, then {@code <success/>}. */
    private void finish2(SaslStep s, SaslServer mechanism) {
        if (s instanceof SaslStep.Failure f) {
            if (f.credentialsChecked()) {
                LOG.info("Authentication failed for {} from {}", f.attemptedUser(), ip);
            }
            sasl2Failure(f.condition(), f.text(), true);
            return;
        }
        SaslStep.Success ok = (SaslStep.Success) s;
        XmlElement request = sasl2Request;
        sasl2Request = null;
        user = ok.user();
        state = State.AUTHENTICATED;
        conn.markAuthenticated();
        conn.setLimits(ctx.limits());
        List<XmlElement> extras = new ArrayList<>();
        if (ok.additionalData() != null) {
            extras.add(XmlElement.builder(Sasl2.NS, "additional-data")
                    .text(Base64.getEncoder().encodeToString(ok.additionalData())).build());
        }
        XmlElement token = fastToken(request, mechanism);
        // Inline resumption (XEP-0198 in SASL2).
        XmlElement resume = request.child(StreamManagement.NS, "resume");
        if (resume != null) {
            C2sSession old = ctx.smRegistry().find(resume.attr("previd"));
            long h = parseH(resume.attr("h"));
            if (old != null && old.jid().bare().equals(user) && !old.isEnded() && h >= 0) {
                session = old;
                full = old.jid();
                state = State.READY;
                String previd = resume.attr("previd");
                boolean resumed = old.resume(this, h, handled -> {
                    XmlElement.Builder b = XmlElement.builder(Sasl2.NS, "success").children(extras);
                    b.textChild(Sasl2.NS, "authorization-identifier", old.jid().toString());
                    b.child(XmlElement.builder(StreamManagement.NS, "resumed").attr("previd", previd)
                            .attr("h", Long.toString(handled)).build());
                    b.child(token);
                    return b.build();
                });
                if (resumed) {
                    if (preAuthTimer != null) {
                        preAuthTimer.cancel(false);
                    }
                    LOG.info("Session {} resumed inline from {}", full, ip);
                    return;
                }
                session = null;
                full = null;
                state = State.AUTHENTICATED;
            }
            extras.add(smFailed("item-not-found"));
        }
        XmlElement bind2 = request.child(Sasl2.BIND, "bind");
        XmlElement.Builder success = XmlElement.builder(Sasl2.NS, "success").children(extras);
        if (bind2 == null) {
            // Without Bind2 the client binds the RFC 6120 way on this same stream.
            state = State.BINDING;
            success.textChild(Sasl2.NS, "authorization-identifier", user.toString());
            success.child(token);
            conn.write(success.build());
            return;
        }
        String tag = bind2.childText(Sasl2.BIND, "tag");
        String base = "sb";
        if (tag != null && !tag.isBlank()) {
            try {
                base = Jid.enforceResource(tag.length() > 64 ? tag.substring(0, 64) : tag);
            } catch (MalformedJidException ex) {
                base = "sb";
            }
        }
        StanzaError err = bindResource(base + "." + randomResource().substring(3));
        if (err != null) {
            state = State.CLOSED;
            streamError(StreamError.of("resource-constraint", err.text()));
            return;
        }
        XmlElement.Builder bound = XmlElement.builder(Sasl2.BIND, "bound");
        for (XmlElement inline : bind2.elements()) {
            if (inline.is(Ns.CARBONS, "enable")) {
                session.enableCarbons();
            } else if (inline.is(ClientState.NS, "inactive")) {
                session.setActive(false);
            } else if (inline.is(StreamManagement.NS, "enable")) {
                boolean wantResume = "true".equals(inline.attr("resume")) || "1".equals(inline.attr("resume"));
                String id = session.enable(wantResume);
                XmlElement.Builder en = XmlElement.builder(StreamManagement.NS, "enabled");
                if (id != null) {
                    en.attr("id", id).attr("resume", "true").attr("max", Long.toString(ctx.resumeTimeout().toSeconds()));
                }
                bound.child(en.build());
            }
        }
        success.textChild(Sasl2.NS, "authorization-identifier", full.toString());
        success.child(bound.build());
        success.child(token);
        conn.write(success.build());
    }

    /**
     * FAST (XEP-0484): a new token when asked (or when the one just used nears its expiry), and
     * invalidation when asked. Null when there is nothing to send.
     */
    private XmlElement fastToken(XmlElement request, SaslServer mechanism) {
        if (ctx.fastTokens() == null || sasl2Agent == null) {
            return null;
        }
        XmlElement fast = request.child(Sasl2.FAST, "fast");
        if (mechanism instanceof FastServer && fast != null && "true".equals(fast.attr("invalidate"))) {
            ctx.fastTokens().remove(user, sasl2Agent);
            return null;
        }
        XmlElement asked = request.child(Sasl2.FAST, "request-token");
        String mech = asked == null ? null : asked.attr("mechanism");
        if (mech == null && mechanism instanceof FastServer fs && fs.used() != null
                && fs.used().expiry().isBefore(ctx.clock().instant().plus(ctx.fastTokenLifetime().dividedBy(2)))) {
            mech = fs.used().mechanism();
        }
        if (mech == null || !fastMechanisms().contains(mech)) {
            return null;
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = Base64.getEncoder().encodeToString(raw);
        java.time.Instant expiry = ctx.clock().instant().plus(ctx.fastTokenLifetime()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        ctx.fastTokens().rotate(new io.switchboard.store.FastToken(user, sasl2Agent, mech, secret, expiry, -1));
        return XmlElement.builder(Sasl2.FAST, "token").attr("expiry", java.time.format.DateTimeFormatter.ISO_INSTANT.format(expiry))
                .attr("token", secret).build();
    }

    // ================================================================ binding

    private void binding(XmlElement e) {
        if (e.ns().equals(StreamManagement.NS)) {
            if (e.local().equals("resume")) {
                resume(e);
            } else {
                writeSm(smFailed("unexpected-request"));
            }
            return;
        }
        if (!e.is(Ns.CLIENT, "iq")) {
            if (Stanza.isStanza(e)) {
                streamError(StreamError.of("not-authorized", "bind a resource first"));
            } else {
                unsupported(e);
            }
            return;
        }
        Iq iq;
        try {
            iq = Iq.of(e.withAttr("from", null).withAttr("to", null));
        } catch (StanzaException ex) {
            answerError(e, ex.error());
            return;
        }
        XmlElement q = iq.payload();
        if (iq.type() == Iq.Type.SET && q != null && q.is(Ns.BIND, "bind")) {
            bind(iq, q);
        } else if (iq.type() == Iq.Type.SET && q != null && q.is(Ns.SESSION, "session")) {
            conn.write(iq.result().element());
        } else {
            streamError(StreamError.of("not-authorized", "bind a resource first"));
        }
    }

    private void bind(Iq iq, XmlElement q) {
        String requested = q.childText(Ns.BIND, "resource");
        String resource;
        if (requested == null || requested.isBlank()) {
            resource = randomResource();
        } else {
            try {
                resource = Jid.enforceResource(requested);
            } catch (MalformedJidException ex) {
                answerError(iq.element(), StanzaError.badRequest("invalid resource"));
                return;
            }
        }
        StanzaError err = bindResource(resource);
        if (err != null) {
            answerError(iq.element(), err);
            return;
        }
        conn.write(iq.result(XmlElement.builder(Ns.BIND, "bind").textChild("jid", full.toString()).build()).element());
    }

    /**
     * Binds {@code resource} (or a variant, by the conflict policy) and creates the session.
     *
     * @return null when bound, else the error
     */
    private StanzaError bindResource(String resource) {
        List<ClientSession> existing = ctx.sessions().of(user);
        Jid wanted = user.withResource(resource);
        ClientSession holder = null;
        for (ClientSession c : existing) {
            if (c.jid().equals(wanted)) {
                holder = c;
            }
        }
        if (holder == null && existing.size() >= ctx.maxSessionsPerUser()) {
            return StanzaError.resourceConstraint("too many sessions for this account");
        }
        if (holder != null) {
            if (ctx.resourceConflict() == ResourceConflict.KICK_OLD) {
                LOG.info("{} logged in again; closing the older session", wanted);
                holder.close(StreamError.of("conflict", "replaced by a new session"));
            } else {
                wanted = user.withResource(resource + "." + randomResource());
            }
        }
        full = wanted;
        C2sSession s = new C2sSession(full, this, ip, conn.isSecure(), ctx);
        session = s;
        ClientSession replaced = ctx.sessions().bind(s);
        if (replaced != null && replaced != s) {
            replaced.close(StreamError.of("conflict", "replaced by a new session"));
        }
        state = State.READY;
        if (preAuthTimer != null) {
            preAuthTimer.cancel(false);
        }
        LOG.info("Session {} bound from {} ({})", full, ip, conn.tls() == null ? "plaintext" : conn.tls().protocol());
        return null;
    }

    private static String randomResource() {
        StringBuilder sb = new StringBuilder("sb-");
        for (int i = 0; i < 10; i++) {
            sb.append(RESOURCE_CHARS.charAt(RANDOM.nextInt(RESOURCE_CHARS.length())));
        }
        return sb.toString();
    }

    // ================================================================ bound session

    private void ready(XmlElement e) {
        if (e.ns().equals(StreamManagement.NS)) {
            streamManagement(e);
            return;
        }
        if (e.ns().equals(ClientState.NS)) {
            if (e.local().equals("active") || e.local().equals("inactive")) {
                session.setActive(e.local().equals("active"));
            } else {
                unsupported(e);
            }
            return;
        }
        if (!Stanza.isStanza(e)) {
            unsupported(e);
            return;
        }
        try {
            readyStanza(e);
        } finally {
            session.handledInbound();
        }
    }

    private void readyStanza(XmlElement e) {
        Stanza s;
        try {
            s = Stanza.of(e);
        } catch (StanzaException ex) {
            answerError(e, ex.error());
            return;
        }
        if (s instanceof Iq iq && iq.type() == Iq.Type.SET && iq.payload() != null && iq.payload().is(Ns.BIND, "bind")) {
            answerError(e, StanzaError.notAllowed("a resource is already bound"));
            return;
        }
        if (s instanceof Presence p && p.type() == Presence.Type.INVALID) {
            answerError(e, StanzaError.badRequest("unknown presence type"));
            return;
        }
        // RFC 6120 §8.1.2.1: the server stamps the sender's full JID, whatever the client claimed.
        ctx.router().fromClient(session, s.withFrom(full));
    }

    // ================================================================ stream management (XEP-0198)

    private void streamManagement(XmlElement e) {
        switch (e.local()) {
            case "enable" -> {
                if (session.smEnabled()) {
                    writeSm(smFailed("unexpected-request"));
                    return;
                }
                boolean resume = "true".equals(e.attr("resume")) || "1".equals(e.attr("resume"));
                String id = session.enable(resume);
                XmlElement.Builder b = XmlElement.builder(StreamManagement.NS, "enabled");
                if (id != null) {
                    b.attr("id", id).attr("resume", "true").attr("max", Long.toString(ctx.resumeTimeout().toSeconds()));
                }
                writeSm(b.build());
            }
            case "r" -> {
                if (session.smEnabled()) {
                    writeSm(XmlElement.builder(StreamManagement.NS, "a")
                            .attr("h", Long.toString(session.inboundHandled())).build());
                }
            }
            case "a" -> {
                if (!session.smEnabled()) {
                    return;
                }
                long h = parseH(e.attr("h"));
                String problem = h < 0 ? "h is not a number" : session.acknowledge(h);
                if (problem != null) {
                    LOG.info("Closing the stream of {}: bad acknowledgement ({})", full, problem);
                    streamErrorLogged(StreamError.of("undefined-condition", problem));
                }
            }
            case "resume" -> writeSm(smFailed("unexpected-request"));
            default -> unsupported(e);
        }
    }

    /** {@code <resume/>} after authentication (XEP-0198 §5): only a session of this same account. */
    private void resume(XmlElement e) {
        C2sSession old = ctx.smRegistry().find(e.attr("previd"));
        long h = parseH(e.attr("h"));
        if (old == null || !old.jid().bare().equals(user) || old.isEnded()) {
            // security.md B9: someone else's id looks exactly like an unknown one, and changes nothing.
            writeSm(smFailed("item-not-found"));
            return;
        }
        if (h < 0) {
            writeSm(smFailed("bad-request"));
            return;
        }
        session = old;
        full = old.jid();
        state = State.READY;
        String previd = e.attr("previd");
        boolean ok = old.resume(this, h, handled -> XmlElement.builder(StreamManagement.NS, "resumed")
                .attr("previd", previd).attr("h", Long.toString(handled)).build());
        if (!ok) {
            session = null;
            full = null;
            state = State.BINDING;
            writeSm(smFailed("unexpected-request"));
            old.end(StreamError.of("undefined-condition", "impossible acknowledgement on resumption"), false);
            return;
        }
        if (preAuthTimer != null) {
            preAuthTimer.cancel(false);
        }
        LOG.info("Session {} resumed from {}", full, ip);
    }

    private static long parseH(String h) {
        if (h == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(h.trim());
            return v < 0 || v >= (1L << 32) ? -1 : v;
        } catch (NumberFormatException ex) {
            return -1;
        }
    }

    private static XmlElement smFailed(String condition) {
        return XmlElement.builder(StreamManagement.NS, "failed").emptyChild(Ns.STANZA_ERRORS, condition).build();
    }

    /** Writes a stanza of the bound session; false when the connection is closing. */
    boolean writeStanza(Stanza s) {
        if (closed || closing.get() || !conn.isOpen()) {
            return false;
        }
        conn.write(s.element());
        return true;
    }

    /** Writes a stream-management element (ack requests come from other threads). */
    void writeSm(XmlElement e) {
        if (!closed && !closing.get()) {
            conn.write(e);
        }
    }

    /** Another stream resumed our session: close this connection without ending the session. */
    void supersede() {
        superseded = true;
        close(StreamError.of("conflict", "the session was resumed on another connection"));
    }

    /** The session ended (conflict, deletion, shutdown, expiry): close this stream with that error. */
    void sessionEnded(StreamError error) {
        superseded = true;
        close(error);
    }

    private void unsupported(XmlElement e) {
        if (e.is("http://jabber.org/protocol/compress", "compress")) {
            // security.md A15: compression is never offered nor accepted.
            conn.write(XmlElement.builder("http://jabber.org/protocol/compress", "failure")
                    .emptyChild("http://jabber.org/protocol/compress", "unsupported-method").build());
            return;
        }
        streamError(StreamError.of("unsupported-stanza-type", "unexpected element " + e.name()));
    }

    /** Answers a stanza with an error directly on this connection (never an error to an error). */
    private void answerError(XmlElement e, StanzaError error) {
        if ("error".equals(e.attr("type")) || !Stanza.isStanza(e)) {
            return;
        }
        if (e.is(Ns.CLIENT, "iq") && ("result".equals(e.attr("type")))) {
            return;
        }
        XmlElement.Builder b = XmlElement.builder(e.name()).attr("id", e.attr("id")).attr("type", "error");
        if (full != null) {
            b.attr("to", full.toString());
        }
        for (var n : e.children()) {
            if (!(n instanceof XmlElement c && c.is(Ns.CLIENT, "error"))) {
                b.child(n);
            }
        }
        b.child(error.toElement());
        conn.write(b.build());
    }

    // ================================================================ output

    private void sendHeader(Jid to) {
        if (headerSent) {
            return;
        }
        headerSent = true;
        if (streamId == null) {
            streamId = newId();
        }
        StringBuilder sb = new StringBuilder(256);
        sb.append("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='").append(Ns.STREAMS)
                .append("' id='").append(streamId).append("' from='");
        XmlWriter.escapeAttr(ctx.domain(), sb);
        sb.append('\'');
        if (to != null) {
            sb.append(" to='");
            XmlWriter.escapeAttr(to.toString(), sb);
            sb.append('\'');
        }
        sb.append(" version='1.0' xml:lang='en'>");
        conn.writeRaw(sb.toString());
    }

    private XmlElement features(boolean authenticated) {
        XmlElement.Builder f = XmlElement.builder(Ns.STREAMS, "features");
        if (authenticated) {
            f.emptyChild(Ns.BIND, "bind");
            f.child(XmlElement.builder(Ns.SESSION, "session").emptyChild(Ns.SESSION, "optional").build());
            f.emptyChild(Ns.ROSTER_VER_FEATURE, "ver");
            f.emptyChild(Ns.PRE_APPROVAL_FEATURE, "sub");
            f.emptyChild(StreamManagement.NS, "sm");
            f.emptyChild(ClientState.NS, "csi");
            f.child(ctx.serverInfo().get().capsElement());
            f.child(limits(ctx.limits().maxStanzaBytes()));
            return f.build();
        }
        boolean secure = conn.isSecure();
        if (!secure && ctx.tlsAvailable()) {
            XmlElement.Builder tls = XmlElement.builder(Ns.TLS, "starttls");
            if (ctx.requireTls()) {
                tls.emptyChild(Ns.TLS, "required");
            }
            f.child(tls.build());
            if (ctx.requireTls()) {
                offeredMechanisms = List.of();
                return f.build();
            }
        }
        List<String> mechs = new ArrayList<>();
        TlsInfo tls = conn.tls();
        List<String> cbTypes = tls == null ? List.of() : tls.channelBindingTypes();
        if (!cbTypes.isEmpty()) {
            mechs.add("SCRAM-SHA-256-PLUS");
            mechs.add("SCRAM-SHA-1-PLUS");
        }
        mechs.add("SCRAM-SHA-256");
        mechs.add("SCRAM-SHA-1");
        if (secure) {
            mechs.add("PLAIN");
        }
        offeredMechanisms = List.copyOf(mechs);
        XmlElement.Builder m = XmlElement.builder(Ns.SASL, "mechanisms");
        for (String s : mechs) {
            m.textChild(Ns.SASL, "mechanism", s);
        }
        f.child(m.build());
        f.child(sasl2Feature(mechs));
        if (!cbTypes.isEmpty()) {
            XmlElement.Builder cb = XmlElement.builder(Ns.SASL_CB, "sasl-channel-binding");
            for (String t : cbTypes) {
                cb.child(XmlElement.builder(Ns.SASL_CB, "channel-binding").attr("type", t).build());
            }
            f.child(cb.build());
        }
        if (ctx.registration() != null) {
            f.emptyChild(Ns.REGISTER_FEATURE, "register");
        }
        f.child(limits(ctx.preAuthLimits().maxStanzaBytes()));
        return f.build();
    }

    /** XEP-0388 with the inline features this server supports (Bind2, stream management, FAST). */
    private XmlElement sasl2Feature(List<String> mechs) {
        XmlElement.Builder a = XmlElement.builder(Sasl2.NS, "authentication");
        for (String s : mechs) {
            a.textChild(Sasl2.NS, "mechanism", s);
        }
        XmlElement.Builder inline = XmlElement.builder(Sasl2.NS, "inline");
        inline.child(XmlElement.builder(Sasl2.BIND, "bind").child(XmlElement.builder(Sasl2.BIND, "inline")
                .child(feature(Ns.CARBONS)).child(feature(ClientState.NS))
                .child(feature(StreamManagement.NS)).build()).build());
        inline.emptyChild(StreamManagement.NS, "sm");
        List<String> fast = fastMechanisms();
        if (!fast.isEmpty()) {
            XmlElement.Builder fb = XmlElement.builder(Sasl2.FAST, "fast");
            for (String f : fast) {
                fb.textChild(Sasl2.FAST, "mechanism", f);
            }
            inline.child(fb.build());
        }
        a.child(inline.build());
        return a.build();
    }

    private static XmlElement feature(String var) {
        return XmlElement.builder(Sasl2.BIND, "feature").attr("var", var).build();
    }

    private XmlElement limits(int maxBytes) {
        return XmlElement.builder(Ns.LIMITS, "limits").textChild("max-bytes", Integer.toString(maxBytes))
                .textChild("idle-seconds", Long.toString(ctx.pingInterval().plus(ctx.pingTimeout()).toSeconds()))
                .build();
    }

    /** Ends the stream with {@code err}, with a log line that names the peer, the condition and the text. */
    private void streamError(StreamError err) {
        if (!closing.get()) {
            LOG.info("Closing the stream {} {}: stream error <{}/>{}", full != null ? "of" : "from", full != null ? full : ip,
                    err.condition(), err.text() == null ? "" : " (" + err.text() + ")");
        }
        streamErrorLogged(err);
    }

    /** {@link #streamError} for a caller that has already logged why. */
    private void streamErrorLogged(StreamError err) {
        state = State.CLOSED;
        // A stream error ends the session; only a connection that died (or stopped answering pings)
        // leaves it waiting for a resumption.
        if (!"connection-timeout".equals(err.condition())) {
            cleanClose = true;
        }
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        sendHeader(null);
        conn.closeStream(err.toElement());
    }

    private void closeNow() {
        state = State.CLOSED;
        if (closing.compareAndSet(false, true)) {
            conn.closeStream(null);
        }
    }

    private static String newId() {
        byte[] b = new byte[15];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    // ================================================================ closing from outside

    /**
     * Closes from any thread without taking this stream's lock (sessions and the server call it while
     * holding their own locks). The worker notices through the connection's close.
     */
    public void close(StreamError error) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        if (error != null && headerSent) {
            conn.write(error.toElement());
        }
        if (headerSent) {
            conn.writeRaw("</stream:stream>");
        }
        conn.close();
    }

    /** Server shutdown: the session (if any) ends, not resumable, with this error. */
    public void shutdown(StreamError error) {
        C2sSession s = session;
        if (s != null) {
            s.end(error, false);
        }
        close(error);
    }

    /** For status and admin: bound JID or the peer address. */
    @Override
    public String toString() {
        return "c2s " + (full != null ? full : ip);
    }

    Duration age() {
        return Duration.between(started, Instant.now());
    }
}
