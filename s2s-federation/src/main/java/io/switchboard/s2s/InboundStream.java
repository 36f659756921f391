package io.switchboard.s2s;

import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaException;
import io.switchboard.stanza.StreamError;
import io.switchboard.transport.Connection;
import io.switchboard.transport.ConnectionHandler;
import io.switchboard.xml.Ns;
import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlName;
import io.switchboard.xml.XmlStreamException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An inbound server-to-server stream, this server as the receiving entity: header and features,
 * STARTTLS (required by default), SASL EXTERNAL for a peer whose certificate validates for the
 * domain it names (XEP-0178), Server Dialback (XEP-0220) otherwise where the policy allows, and
 * the authoritative side of dialback ({@code db:verify}). Stanzas are accepted only between a
 * domain pair authenticated on this stream and go into the router like any trusted stanza.
 *
 * @implNote handler methods and the dialback answers (which arrive on other threads) take this
 *           object's lock.
 */
final class InboundStream implements ConnectionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(InboundStream.class);
    /** Dialback requests one stream may have waiting for their authoritative server. */
    private static final int MAX_PENDING_PER_STREAM = 10;

    private final Connection conn;
    private final FederationModule m;
    private final Set<String> authenticated = ConcurrentHashMap.newKeySet();
    /** The authenticated (local domain, remote domain) pairs. */
    private final Set<DomainPair> pairs = ConcurrentHashMap.newKeySet();
    /** The peer's certificate chain, validated once for every domain checked on this stream. */
    private final CertVerifier.PeerChain peerChain;
    private String streamTo;
    private String streamId;
    private String peerFrom;
    private boolean saslDone;
    private int pending;
    private boolean closing;

    InboundStream(Connection conn, FederationModule m) {
        this.conn = conn;
        this.m = m;
        this.peerChain = m.certs().peerChain();
        conn.setContentNamespace(Ns.SERVER);
    }

    List<String> authenticatedDomains() {
        return List.copyOf(authenticated);
    }

    @Override
    public void onOpen() {
        m.inboundOpened(conn.id(), this);
    }

    @Override
    public boolean pausesInputAfter(XmlElement e) {
        return e.is(Ns.TLS, "starttls") || e.is(Ns.SASL, "auth");
    }

    @Override
    public synchronized void onStreamOpen(StreamHeader h) {
        LOG.debug("from {}: stream header {}", conn.remoteAddress(), h.attrs());
        streamId = S2s.newStreamId();
        String to = domainOrNull(h.attr("to"));
        String fromAttr = h.attr("from");
        String from = domainOrNull(fromAttr);
        boolean toLocal = to != null && m.isLocal(to);
        streamTo = toLocal ? to : m.domain();
        conn.writeRaw(S2s.header(toLocal ? to : m.domain(), from, streamId));
        if (!h.name().equals(XmlName.of(Ns.STREAMS, "stream")) || !Ns.SERVER.equals(h.contentNs())) {
            error("invalid-namespace", "expected a jabber:server stream");
            return;
        }
        if (!toLocal) {
            error("host-unknown", "this server does not serve " + h.attr("to"));
            return;
        }
        if (fromAttr != null && from == null) {
            error("invalid-from", null);
            return;
        }
        if (!"1.0".equals(h.attr("version"))) {
            error("unsupported-version", "XMPP 1.0 streams only");
            return;
        }
        peerFrom = from;
        conn.write(features());
    }

    private static String domainOrNull(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Jid.enforceDomain(s);
        } catch (MalformedJidException e) {
            return null;
        }
    }

    private XmlElement features() {
        XmlElement.Builder b = XmlElement.builder(Ns.STREAMS, "features");
        if (!conn.isSecure()) {
            XmlElement.Builder tls = XmlElement.builder(Ns.TLS, "starttls");
            if (m.requireTls()) {
                tls.emptyChild(Ns.TLS, "required");
            }
            b.child(tls.build());
            if (!m.requireTls() && m.dialbackOffered()) {
                b.child(dialbackFeature());
            }
            return b.build();
        }
        if (!saslDone && peerFrom != null && peerChain.authenticates(peerCertificates(), peerFrom)) {
            b.child(XmlElement.builder(Ns.SASL, "mechanisms").textChild(Ns.SASL, "mechanism", "EXTERNAL").build());
        }
        if (m.dialbackOffered()) {
            b.child(dialbackFeature());
        }
        return b.build();
    }

    private static XmlElement dialbackFeature() {
        return XmlElement.builder(S2s.DIALBACK_FEATURE, "dialback").emptyChild(S2s.DIALBACK_FEATURE, "errors").build();
    }

    private List<X509Certificate> peerCertificates() {
        return conn.tls() == null ? List.of() : conn.tls().peerCertificates();
    }

    @Override
    public synchronized void onElement(XmlElement e) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("from {}: received <{}/>", who(), e.local());
        }
        if (closing) {
            return;
        }
        if (e.is(Ns.TLS, "starttls")) {
            if (conn.isSecure()) {
                error("policy-violation", "TLS is already established");
            } else {
                conn.startTls(XmlElement.empty(Ns.TLS, "proceed"));
            }
        } else if (e.is(Ns.SASL, "auth")) {
            auth(e);
        } else if (e.is(S2s.DIALBACK, "result")) {
            dialbackResult(e);
        } else if (e.is(S2s.DIALBACK, "verify")) {
            dialbackVerify(e);
        } else if (Stanza.isStanza(e)) {
            stanza(e);
        } else if (e.is(Ns.STREAMS, "error")) {
            XmlElement cond = e.childInNs(Ns.STREAM_ERRORS);
            LOG.info("{} sent a stream error <{}/>", who(), cond == null ? "?" : cond.local());
            closing = true;
            conn.closeStream(null);
        } else {
            error("unsupported-stanza-type", null);
        }
    }

    private String who() {
        return (peerFrom != null ? peerFrom : "a server") + " at " + conn.remoteAddress();
    }

    private void auth(XmlElement e) {
        String failure = null;
        String domain = null;
        if (!conn.isSecure()) {
            failure = "encryption-required";
        } else if (saslDone || !"EXTERNAL".equals(e.attr("mechanism"))) {
            failure = "invalid-mechanism";
        } else {
            String text = e.text().trim();
            String authz = peerFrom;
            if (!text.isEmpty() && !text.equals("=")) {
                try {
                    authz = new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException ex) {
                    failure = "incorrect-encoding";
                }
            }
            if (failure == null) {
                domain = domainOrNull(authz);
                String why = domain == null ? "no domain named" : peerChain.check(peerCertificates(), domain);
                if (why != null || (peerFrom != null && !peerFrom.equals(domain))) {
                    LOG.info("SASL EXTERNAL refused for {}: {}", who(), why != null ? why : "authzid differs from 'from'");
                    failure = "not-authorized";
                }
            }
        }
        if (failure != null) {
            conn.write(XmlElement.builder(Ns.SASL, "failure").emptyChild(Ns.SASL, failure).build());
            conn.resumeInput(false);
            return;
        }
        saslDone = true;
        authenticated(domain, streamTo);
        LOG.info("Inbound stream from {} authenticated {} by certificate (SASL EXTERNAL)", conn.remoteAddress(), domain);
        conn.write(XmlElement.empty(Ns.SASL, "success"));
        conn.resumeInput(true);
    }

    private void authenticated(String domain, String local) {
        if (authenticated.isEmpty()) {
            conn.markAuthenticated();
            conn.setLimits(m.postAuthLimits());
        }
        authenticated.add(domain);
        pairs.add(new DomainPair(local, domain));
    }

    private void dialbackResult(XmlElement e) {
        if (e.attr("type") != null) {
            LOG.info("Ignoring an unsolicited dialback result (type {}) from {}", e.attr("type"), who());
            return;
        }
        if (m.requireTls() && !conn.isSecure()) {
            error("policy-violation", "TLS is required before dialback");
            return;
        }
        String to = domainOrNull(e.attr("to"));
        String from = domainOrNull(e.attr("from"));
        if (to == null || !m.isLocal(to)) {
            error("host-unknown", null);
            return;
        }
        if (from == null) {
            error("invalid-from", null);
            return;
        }
        String key = e.text().trim();
        if (conn.isSecure() && peerChain.authenticates(peerCertificates(), from)) {
            // The certificate already proves the domain (as XEP-0344 permits): no round trip.
            dialbackAnswered(from, to, true);
            return;
        }
        if (!m.dialbackAllowed(from)) {
            LOG.info("Refusing dialback from {} for {}: the policy requires a valid certificate", who(), from);
            dialbackAnswered(from, to, false);
            return;
        }
        if (key.isEmpty() || pending >= MAX_PENDING_PER_STREAM) {
            dialbackAnswered(from, to, false);
            return;
        }
        pending++;
        String id = streamId;
        m.verifyDialback(to, from, id, key, ok -> {
            synchronized (InboundStream.this) {
                pending--;
                dialbackAnswered(from, to, ok);
            }
        });
    }

    /** Holds the lock. */
    private void dialbackAnswered(String from, String to, boolean valid) {
        if (closing || !conn.isOpen()) {
            return;
        }
        if (valid) {
            authenticated(from, to);
            LOG.info("Inbound stream from {} authenticated {} (dialback)", conn.remoteAddress(), from);
        } else {
            LOG.info("Dialback for {} from {} failed", from, conn.remoteAddress());
        }
        conn.write(XmlElement.builder(S2s.DIALBACK, "result").attr("from", to).attr("to", from)
                .attr("type", valid ? "valid" : "invalid").build());
    }

    /** The peer, as receiving server, asks whether a key we gave it is ours (we are authoritative). */
    private void dialbackVerify(XmlElement e) {
        if (m.requireTls() && !conn.isSecure()) {
            error("policy-violation", "TLS is required before dialback");
            return;
        }
        String to = domainOrNull(e.attr("to"));
        String from = domainOrNull(e.attr("from"));
        String id = e.attr("id");
        if (to == null || !m.isLocal(to)) {
            error("host-unknown", null);
            return;
        }
        if (from == null || id == null) {
            error("invalid-xml", "db:verify needs from, to and id");
            return;
        }
        boolean valid = m.keys().verify(from, to, id, e.text());
        conn.write(XmlElement.builder(S2s.DIALBACK, "verify").attr("from", to).attr("to", from).attr("id", id)
                .attr("type", valid ? "valid" : "invalid").build());
    }

    private void stanza(XmlElement e) {
        if (authenticated.isEmpty()) {
            LOG.info("Closing the stream from {}: stanza before authentication", who());
            error("not-authorized", "authenticate first");
            return;
        }
        Stanza s;
        try {
            s = Stanza.of(e);
        } catch (StanzaException ex) {
            if ("jid-malformed".equals(ex.error().condition())) {
                // RFC 6120 §4.9.3.14: an address that violates the rules is improper-addressing.
                LOG.info("Closing the stream from {}: stanza with a malformed address", who());
                error("improper-addressing", null);
            } else {
                // One bad stanza (an IQ without a type or an id) must not end federation for
                // every user of this stream.
                LOG.info("Dropping an invalid stanza from {}: {}", who(), ex.getMessage());
            }
            return;
        }
        if (s.from() == null || s.to() == null) {
            error("improper-addressing", null);
            return;
        }
        if (!authenticated.contains(s.from().domain())) {
            LOG.info("Closing the stream from {}: stanza from unauthenticated domain {}", who(), s.from().domain());
            error("invalid-from", null);
            return;
        }
        if (!m.isLocal(s.to().domain())) {
            error("host-unknown", null);
            return;
        }
        if (!pairs.contains(new DomainPair(s.to().domain(), s.from().domain()))) {
            // RFC 6120 §13.9.1: a stanza for a domain pair this stream never authenticated.
            LOG.info("Closing the stream from {}: {} was not authenticated for {}", who(), s.from().domain(),
                    s.to().domain());
            error("not-authorized", null);
            return;
        }
        m.context().router().route(s);
    }

    private void error(String condition, String text) {
        if (!closing) {
            closing = true;
            conn.closeStream(StreamError.of(condition, text).toElement());
        }
    }

    synchronized void shutdown() {
        error("system-shutdown", null);
    }

    @Override
    public synchronized void onStreamClose() {
        closing = true;
        conn.closeStream(null);
    }

    @Override
    public synchronized void onParseError(XmlStreamException e) {
        error(e.condition().element(), null);
    }

    @Override
    public synchronized void onIdle() {
        error("connection-timeout", null);
    }

    @Override
    public void onClosed() {
        m.inboundClosed(conn.id());
        if (!authenticated.isEmpty()) {
            LOG.info("Inbound stream from {} ({}) closed", conn.remoteAddress(), authenticated);
        }
    }
}
