package io.switchboard.component;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One component connection (XEP-0114 §3): header with the component's domain, the SHA-1 handshake
 * over the stream id and the shared secret (compared in constant time), then stanzas. Stanzas from
 * the component must come from its domain (or a JID of it).
 */
final class ComponentStream implements ConnectionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ComponentStream.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Connection conn;
    private final ComponentModule module;
    private String streamId;
    private String domain;
    private boolean authenticated;
    private volatile boolean closing;

    ComponentStream(Connection conn, ComponentModule module) {
        this.conn = conn;
        this.module = module;
        conn.setContentNamespace(Ns.COMPONENT_ACCEPT);
    }

    @Override
    public void onOpen() {
    }

    @Override
    public boolean pausesInputAfter(XmlElement element) {
        return false;
    }

    @Override
    public synchronized void onStreamOpen(StreamHeader h) {
        byte[] id = new byte[15];
        RANDOM.nextBytes(id);
        streamId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        String to = h.attr("to");
        String d = null;
        if (to != null) {
            try {
                d = Jid.enforceDomain(to);
            } catch (MalformedJidException e) {
                d = null;
            }
        }
        conn.writeRaw("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='"
                + Ns.STREAMS + "' id='" + streamId + "'" + (d == null ? "" : " from='" + d + "'") + ">");
        if (!h.name().equals(XmlName.of(Ns.STREAMS, "stream")) || !Ns.COMPONENT_ACCEPT.equals(h.contentNs())) {
            error("invalid-namespace", "expected jabber:component:accept");
            return;
        }
        if (d == null || module.secret(d) == null) {
            error("host-unknown", "no such component");
            return;
        }
        domain = d;
    }

    @Override
    public synchronized void onElement(XmlElement e) {
        if (closing) {
            return;
        }
        if (!authenticated) {
            if (!e.is(Ns.CLIENT, "handshake") || domain == null) {
                error("not-authorized", "handshake first");
                return;
            }
            byte[] expected = digest(streamId + new String(module.secret(domain), StandardCharsets.UTF_8));
            byte[] given;
            try {
                given = HexFormat.of().parseHex(e.text().trim().toLowerCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                given = new byte[0];
            }
            if (!MessageDigest.isEqual(expected, given)) {
                LOG.warn("Component {} from {} failed its handshake", domain, conn.remoteAddress());
                error("not-authorized", null);
                return;
            }
            if (!module.attach(domain, this)) {
                error("conflict", "the component is already connected");
                return;
            }
            authenticated = true;
            conn.markAuthenticated();
            conn.write(XmlElement.empty(Ns.CLIENT, "handshake"));
            LOG.info("Component {} connected from {}", domain, conn.remoteAddress());
            return;
        }
        if (!Stanza.isStanza(e)) {
            error("unsupported-stanza-type", null);
            return;
        }
        Stanza s;
        try {
            s = Stanza.of(e);
        } catch (StanzaException ex) {
            return;
        }
        Jid from = s.from();
        if (from == null || !from.domain().equals(domain) || s.to() == null) {
            // XEP-0114 §3.1: the component may only speak for its own domain.
            error(from == null || s.to() == null ? "improper-addressing" : "invalid-from", null);
            return;
        }
        module.context().router().route(s);
    }

    boolean deliver(Stanza s) {
        if (closing || !authenticated || !conn.isOpen()) {
            return false;
        }
        conn.write(s.element());
        return true;
    }

    private void error(String condition, String text) {
        if (!closing) {
            closing = true;
            conn.closeStream(StreamError.of(condition, text).toElement());
        }
    }

    void shutdown() {
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
    public void onIdle() {
    }

    @Override
    public void onClosed() {
        if (domain != null && authenticated) {
            module.detach(domain, this);
            LOG.info("Component {} disconnected", domain);
        }
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
