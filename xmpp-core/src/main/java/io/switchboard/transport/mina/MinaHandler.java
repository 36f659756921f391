package io.switchboard.transport.mina;

import io.switchboard.transport.ConnectionHandler;
import io.switchboard.xml.XmlElement;
import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.ssl.SslEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dispatches MINA events to the connection's {@link ConnectionHandler}, on the session's worker. */
final class MinaHandler extends IoHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(MinaHandler.class);

    private final MinaTransport transport;
    /** The listener's setup, or null for the connector (whose sessions carry theirs as an attribute). */
    private final SessionSetup listenerSetup;

    MinaHandler(MinaTransport transport, SessionSetup listenerSetup) {
        this.transport = transport;
        this.listenerSetup = listenerSetup;
    }

    /** Runs on the I/O thread: admission, then the connection and its handler are created. */
    @Override
    public void sessionCreated(IoSession session) {
        SessionSetup spec = listenerSetup != null ? listenerSetup : (SessionSetup) session.getAttribute(MinaTransport.SETUP);
        if (spec == null) {
            session.closeNow();
            return;
        }
        InetSocketAddress remote = (InetSocketAddress) session.getRemoteAddress();
        boolean gated = spec.maxPreAuthPerIp() > 0;
        if (gated && !transport.gate().tryAdmit(remote.getAddress(), spec.maxPreAuthPerIp())) {
            LOG.warn("Refusing a connection from {}: {} unauthenticated connections from that address already",
                    remote.getAddress().getHostAddress(), spec.maxPreAuthPerIp());
            session.setAttribute(GateFilter.REFUSED, Boolean.TRUE);
            return;
        }
        if (spec.idleSeconds() > 0) {
            session.getConfig().setIdleTime(IdleStatus.READER_IDLE, spec.idleSeconds());
        }
        MinaConnection c = new MinaConnection(session, transport, spec.limits(), spec.maxWriteQueueBytes(), gated,
                spec.tls());
        session.setAttribute(MinaTransport.CONNECTION, c);
        if (spec.directTlsClient()) {
            session.getFilterChain().addBefore(MinaTransport.XMPP_FILTER, MinaTransport.TLS_FILTER,
                    new XmppSslFilter(spec.tls(), spec.serverName()));
        }
        c.setHandler(spec.handlers().apply(c));
    }

    @Override
    public void sessionOpened(IoSession session) {
        MinaConnection c = MinaTransport.connection(session);
        if (c != null) {
            c.handler().onOpen();
        }
    }

    @Override
    public void messageReceived(IoSession session, Object message) {
        MinaConnection c = MinaTransport.connection(session);
        if (c == null) {
            return;
        }
        ConnectionHandler h = c.handler();
        if (message instanceof StreamEvent.Elements es) {
            // One read's elements in one task: what they cause leaves each connection as one write.
            WriteBatch batch = WriteBatch.begin();
            try {
                for (XmlElement e : es.elements()) {
                    h.onElement(e);
                }
            } finally {
                c.elementsProcessed(es.elements().size());
                if (batch != null) {
                    batch.end();
                }
            }
        } else if (message instanceof StreamEvent.Open o) {
            h.onStreamOpen(o.header());
        } else if (message instanceof StreamEvent.Close) {
            h.onStreamClose();
        } else if (message instanceof StreamEvent.Error err) {
            h.onParseError(err.error());
        }
    }

    /**
     * Runs on the I/O thread inside MINA's TLS handler lock: only records the TLS state, never calls
     * into the stream (which may hold its own lock while writing, which takes the TLS lock).
     */
    @Override
    public void event(IoSession session, FilterEvent event) {
        MinaConnection c = MinaTransport.connection(session);
        LOG.debug("{} event {} ({} side)", session.getRemoteAddress(), event, session.isServer() ? "server" : "client");
        if (c != null && event == SslEvent.SECURED) {
            c.tlsEstablished();
        }
    }

    @Override
    public void sessionIdle(IoSession session, IdleStatus status) {
        MinaConnection c = MinaTransport.connection(session);
        if (c != null) {
            c.handler().onIdle();
        }
    }

    @Override
    public void sessionClosed(IoSession session) {
        MinaConnection c = MinaTransport.connection(session);
        if (c == null) {
            if (!session.containsAttribute(GateFilter.REFUSED)) {
                return;
            }
            return;
        }
        c.releaseGate(transport.gate());
        c.handler().onClosed();
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        Object remote = session.getRemoteAddress();
        if (cause instanceof SSLException) {
            LOG.info("TLS failed with {}: {}", remote, cause.getMessage());
        } else if (cause instanceof IOException) {
            LOG.debug("I/O error with {}: {}", remote, cause.toString());
        } else {
            LOG.warn("Unexpected error on the connection with {}; closing it", remote, cause);
        }
        session.closeNow();
    }
}
