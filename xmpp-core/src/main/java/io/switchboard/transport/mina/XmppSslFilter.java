package io.switchboard.transport.mina;

import io.switchboard.tls.TlsContexts;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLEngine;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;

/** MINA's TLS filter with our policy applied to each engine, and the engine kept for channel binding. */
final class XmppSslFilter extends SslFilter {

    static final AttributeKey ENGINE = new AttributeKey(XmppSslFilter.class, "engine");

    private final TlsContexts tls;

    XmppSslFilter(TlsContexts tls) {
        super(tls.context());
        this.tls = tls;
    }

    @Override
    protected SSLEngine createEngine(IoSession session, InetSocketAddress addr) {
        SSLEngine engine = tls.configure(tls.context().createSSLEngine(), !session.isServer());
        session.setAttribute(ENGINE, engine);
        return engine;
    }
}
