package io.switchboard.auth;

/** The server side of one SASL exchange. Not thread-safe; one per authentication attempt. */
public interface SaslServer {

    /** Processes the client's initial response (may be null when the client sent none) or a later response. */
    SaslStep evaluate(byte[] response);
}
