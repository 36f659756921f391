package io.switchboard.transport.mina;

import io.switchboard.tls.TlsContexts;
import io.switchboard.transport.TlsInfo;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

/** TLS facts read from the connection's engine after its handshake. */
final class MinaTlsInfo implements TlsInfo {

    private final SSLEngine engine;
    private final TlsContexts tls;
    private final String protocol;
    private final String suite;

    MinaTlsInfo(SSLEngine engine, TlsContexts tls) {
        this.engine = engine;
        this.tls = tls;
        this.protocol = engine.getSession().getProtocol();
        this.suite = engine.getSession().getCipherSuite();
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public String cipherSuite() {
        return suite;
    }

    @Override
    public byte[] channelBinding(String type) {
        return tls.channelBinding(engine, type);
    }

    @Override
    public List<String> channelBindingTypes() {
        return tls.channelBindingTypes(engine);
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : engine.getSession().getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return out;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }
}
