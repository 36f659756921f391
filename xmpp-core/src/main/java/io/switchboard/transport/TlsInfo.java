package io.switchboard.transport;

import java.security.cert.X509Certificate;
import java.util.List;

/** TLS facts about an established connection, for SASL channel binding and certificate authentication. */
public interface TlsInfo {

    /** Negotiated protocol, e.g. {@code TLSv1.3}. */
    String protocol();

    String cipherSuite();

    /**
     * Channel binding data (RFC 5929, RFC 9266) of the given type ({@code tls-exporter},
     * {@code tls-server-end-point}), or null when this connection cannot provide it.
     */
    byte[] channelBinding(String type);

    /** Channel binding types this connection can provide, preferred first. */
    List<String> channelBindingTypes();

    /** The peer's verified certificate chain, empty when it sent none. */
    List<X509Certificate> peerCertificates();
}
