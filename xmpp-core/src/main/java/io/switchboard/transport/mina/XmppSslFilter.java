package io.switchboard.transport.mina;

import io.switchboard.tls.TlsContexts;
import java.net.InetSocketAddress;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;

/** MINA's TLS filter with our policy applied to each engine, and the engine kept for channel binding. */
final class XmppSslFilter extends SslFilter {

    static final AttributeKey ENGINE = new AttributeKey(XmppSslFilter.class, "engine");

    private final TlsContexts tls;
    private final String serverName;

    XmppSslFilter(TlsContexts tls) {
        this(tls, null);
    }

    /** @param serverName SNI host name sent in client mode, or null */
    XmppSslFilter(TlsContexts tls, String serverName) {
        super(tls.context());
        this.tls = tls;
        this.serverName = serverName;
        // MINA's non-blocking handler (G1) can leave application data that arrives while a delegated
        // task of the handshake runs unprocessed until the next read. The peer that sent it is waiting
        // for our answer (a client's stream header right after its TLS 1.3 Finished, a server's after
        // a client certificate was checked), so that read never comes and the stream stalls (seen in
        // the interop suite: "no stream features after TLS established"). The classic handler runs the
        // tasks inline on the I/O thread and processes everything it has read.
        setUseNonBlockingPipeline(false);
    }

    @Override
    protected SSLEngine createEngine(IoSession session, InetSocketAddress addr) {
        SSLEngine engine = tls.configure(tls.context().createSSLEngine(), !session.isServer());
        if (!session.isServer() && serverName != null) {
            SSLParameters p = engine.getSSLParameters();
            try {
                p.setServerNames(List.of(new SNIHostName(serverName)));
                engine.setSSLParameters(p);
            } catch (IllegalArgumentException e) {
                // Not a valid host name for SNI (an IP literal): send none.
            }
        }
        session.setAttribute(ENGINE, engine);
        return engine;
    }
}
