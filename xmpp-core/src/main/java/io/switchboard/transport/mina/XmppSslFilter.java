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
        // MINA's non-blocking handler (G1) leaves application data that arrives in the same read as the
        // peer's last handshake flight undecoded until the next read. The peer that sent it is waiting for
        // our answer (a client's stream header right after its TLS 1.3 Finished), so that read never comes
        // and the stream stalls: TlsHandshakeRaceIT loses most such streams with G1 and none with this,
        // the classic handler (G0), which decodes what is left after every handshake step. G0 also runs
        // the engine's delegated tasks on MINA's shared executor, then continues the handshake and the
        // decoding from that thread (under the handler's lock, as the I/O thread does).
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
