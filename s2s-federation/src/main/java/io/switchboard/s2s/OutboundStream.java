package io.switchboard.s2s;

import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StreamError;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionHandler;
import io.switchboard.xml.Ns;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlName;
import io.switchboard.xml.XmlStreamException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outbound server-to-server stream, this server as the initiating entity (RFC 6120): stream
 * header, STARTTLS, then SASL EXTERNAL when the peer offers it (XEP-0178) or Server Dialback
 * (XEP-0220) when allowed, then stanzas. It also carries the dialback verifications this server
 * asks the peer as the authoritative server of its domain.
 *
 * @implNote the transport calls the handler methods one at a time; the state is volatile because
 *           {@link RemoteDomain} reads it from other threads. Writes are thread-safe.
 */
final class OutboundStream implements ConnectionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundStream.class);

    private enum State { OPENING, STARTTLS, SASL, SASL_DONE, DIALBACK, READY, CLOSED }

    private final FederationModule m;
    private final RemoteDomain rd;
    private final int generation;
    private final String local;
    private final String remote;
    private Connection conn;
    private volatile State state = State.OPENING;
    private volatile boolean canVerify;
    private String streamId;
    private boolean headerDeclaresDialback;
    private boolean certChecked;

    OutboundStream(FederationModule m, RemoteDomain rd, int generation) {
        this.m = m;
        this.rd = rd;
        this.generation = generation;
        this.local = rd.localDomain();
        this.remote = rd.remoteDomain();
    }

    ConnectionHandler attach(Connection c) {
        this.conn = c;
        c.setContentNamespace(Ns.SERVER);
        return this;
    }

    int generation() {
        return generation;
    }

    boolean isOpen() {
        return state != State.CLOSED && conn.isOpen();
    }

    boolean canVerify() {
        return canVerify && isOpen();
    }

    void send(Stanza s) {
        conn.write(s.element());
    }

    void sendVerify(String id, String key) {
        conn.write(XmlElement.builder(S2s.DIALBACK, "verify").attr("from", local).attr("to", remote).attr("id", id)
                .text(key).build());
    }

    @Override
    public void onOpen() {
        if (!rd.opened(this)) {
            // The attempt was given up (timed out, failed, superseded) before this connection opened.
            LOG.debug("to {}: closing a connection that opened after its attempt was given up", remote);
            state = State.CLOSED;
            conn.abort();
            return;
        }
        LOG.debug("to {}: connected, opening the stream", remote);
        conn.writeRaw(S2s.header(local, remote, null));
    }

    @Override
    public boolean pausesInputAfter(XmlElement e) {
        return e.is(Ns.TLS, "proceed") || e.is(Ns.SASL, "success") || e.is(Ns.SASL, "failure");
    }

    @Override
    public void onStreamOpen(StreamHeader h) {
        LOG.debug("to {}: stream header {}", remote, h.attrs());
        if (!h.name().equals(XmlName.of(Ns.STREAMS, "stream")) || !Ns.SERVER.equals(h.contentNs())) {
            fail("invalid-namespace", "the peer did not open a jabber:server stream", notFound());
            return;
        }
        if (!"1.0".equals(h.attr("version"))) {
            fail("unsupported-version", "the peer does not speak XMPP 1.0 streams", notFound());
            return;
        }
        streamId = h.attr("id");
        headerDeclaresDialback = h.declaredNamespaces().contains(S2s.DIALBACK);
        if (streamId == null) {
            fail("invalid-xml", "the peer's stream has no id", notFound());
        }
    }

    @Override
    public void onElement(XmlElement e) {
        LOG.debug("to {}: received <{}/> in state {}", remote, e.local(), state);
        if (state == State.CLOSED) {
            return;
        }
        if (e.is(Ns.STREAMS, "features")) {
            features(e);
        } else if (e.is(Ns.TLS, "proceed") && state == State.STARTTLS) {
            state = State.OPENING;
            conn.startClientTls(remote, S2s.header(local, remote, null));
        } else if (e.is(Ns.TLS, "failure")) {
            fail(null, "the peer refused STARTTLS", notFound());
        } else if (e.is(Ns.SASL, "success") && state == State.SASL) {
            state = State.SASL_DONE;
            conn.writeRaw(S2s.header(local, remote, null));
            conn.resumeInput(true);
        } else if (e.is(Ns.SASL, "failure") && state == State.SASL) {
            conn.resumeInput(false);
            LOG.info("{} refused SASL EXTERNAL for {}", remote, local);
            if (m.dialbackAllowed(remote)) {
                dialback();
            } else {
                fail(null, "SASL EXTERNAL failed and dialback is not allowed", notFound());
            }
        } else if (e.is(S2s.DIALBACK, "result")) {
            dialbackResult(e);
        } else if (e.is(S2s.DIALBACK, "verify")) {
            if (e.attr("id") != null && local.equals(e.attr("to")) && remote.equals(e.attr("from"))) {
                rd.verifyAnswer(e.attr("id"), "valid".equals(e.attr("type")));
            }
        } else if (e.is(Ns.STREAMS, "error")) {
            XmlElement cond = e.childInNs(Ns.STREAM_ERRORS);
            LOG.info("{} closed our stream with <{}/>", remote, cond == null ? "?" : cond.local());
            fail(null, null, notFound());
        } else {
            LOG.debug("Ignoring <{}/> from {} on an outbound stream", e.local(), remote);
        }
    }

    private void features(XmlElement f) {
        if (!conn.isSecure()) {
            if (f.hasChild(Ns.TLS, "starttls")) {
                state = State.STARTTLS;
                conn.write(XmlElement.empty(Ns.TLS, "starttls"));
                return;
            }
            if (m.requireTls()) {
                fail("policy-violation", "TLS is required", notFound());
                return;
            }
        } else if (!certChecked) {
            certChecked = true;
            String why = m.certs().check(conn.tls().peerCertificates(), remote);
            if (why != null) {
                if (!m.dialbackAllowed(remote)) {
                    LOG.warn("Refusing {}: {} (and dialback is not allowed)", remote, why);
                    fail("policy-violation", "certificate not valid for " + remote, notFound());
                    return;
                }
                LOG.info("{}'s certificate does not authenticate it ({}); using dialback", remote, why);
            }
        }
        if (state == State.SASL_DONE) {
            ready();
            return;
        }
        canVerify = true;
        rd.flushVerifies(this);
        XmlElement mechs = f.child(Ns.SASL, "mechanisms");
        if (conn.isSecure() && mechs != null && hasMechanism(mechs, "EXTERNAL")) {
            state = State.SASL;
            String authz = Base64.getEncoder().encodeToString(local.getBytes(StandardCharsets.UTF_8));
            conn.write(XmlElement.builder(Ns.SASL, "auth").attr("mechanism", "EXTERNAL").text(authz).build());
            return;
        }
        if (m.dialbackAllowed(remote) && (f.hasChild(S2s.DIALBACK_FEATURE, "dialback") || headerDeclaresDialback)) {
            dialback();
            return;
        }
        fail(null, "no authentication method in common", notFound());
    }

    private static boolean hasMechanism(XmlElement mechs, String name) {
        for (XmlElement m : mechs.elements(Ns.SASL, "mechanism")) {
            if (name.equals(m.text().trim())) {
                return true;
            }
        }
        return false;
    }

    private void dialback() {
        state = State.DIALBACK;
        String key = m.keys().key(remote, local, streamId);
        conn.write(XmlElement.builder(S2s.DIALBACK, "result").attr("from", local).attr("to", remote).text(key).build());
    }

    private void dialbackResult(XmlElement e) {
        if (state != State.DIALBACK || !remote.equals(e.attr("from")) || !local.equals(e.attr("to"))) {
            LOG.info("Ignoring an unsolicited dialback result from {}", remote);
            return;
        }
        String type = e.attr("type");
        if ("valid".equals(type)) {
            ready();
        } else {
            LOG.warn("{} did not accept our dialback key for {} (type {})", remote, local, type);
            fail(null, "dialback refused", notFound());
        }
    }

    private void ready() {
        state = State.READY;
        conn.markAuthenticated();
        rd.streamReady(this);
    }

    private static StanzaError notFound() {
        return StanzaError.remoteServerNotFound(null);
    }

    /** Ends the stream (with a stream error when condition is not null) and bounces what waits. */
    private void fail(String condition, String why, StanzaError bounce) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (why != null) {
            LOG.info("Stream to {} failed: {}", remote, why);
        }
        conn.closeStream(condition == null ? null : StreamError.of(condition, why).toElement());
        rd.failed(generation, this, bounce);
    }

    void abort() {
        state = State.CLOSED;
        conn.abort();
    }

    void closeIdle() {
        state = State.CLOSED;
        conn.closeStream(null);
    }

    void shutdown() {
        if (state != State.CLOSED) {
            state = State.CLOSED;
            conn.closeStream(StreamError.of("system-shutdown").toElement());
        }
    }

    @Override
    public void onStreamClose() {
        conn.closeStream(null);
    }

    @Override
    public void onParseError(XmlStreamException e) {
        fail(e.condition().element(), e.getMessage(), notFound());
    }

    @Override
    public void onIdle() {
    }

    @Override
    public void onClosed() {
        state = State.CLOSED;
        // A no-op when the stream already failed, timed out or was closed as idle (new generation).
        rd.failed(generation, this, notFound());
    }
}
