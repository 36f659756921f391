package io.switchboard.transport;

import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlStreamException;

/**
 * The stream logic of one connection. The transport calls these methods one at a time and in
 * the order the events happened, on a worker thread (never on a network I/O thread), so
 * implementations may block briefly (storage) but need no locking for their own state.
 */
public interface ConnectionHandler {

    /** The connection is open (TCP accepted; for direct TLS, before the handshake). */
    void onOpen();

    void onStreamOpen(StreamHeader header);

    void onElement(XmlElement element);

    /** The peer closed its stream ({@code </stream:stream>}). */
    void onStreamClose();

    /** The input cannot be parsed; the connection must be closed with this stream error. */
    void onParseError(XmlStreamException error);

    /** No input for the configured idle time. */
    void onIdle();

    /** The connection is gone, for whatever reason. Called exactly once. */
    void onClosed();

    /**
     * Called on the network thread for every top-level element before it is queued: true when
     * reading must stop after it until {@link Connection#resumeInput} (STARTTLS and SASL elements,
     * which can change how the following bytes are read).
     *
     * @implNote must be a non-blocking pure function of the element.
     */
    boolean pausesInputAfter(XmlElement element);
}
