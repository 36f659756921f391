package io.switchboard.transport;

import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlLimits;
import java.net.InetSocketAddress;

/**
 * One network connection carrying an XML stream, as the stream layer sees it. Implemented by the
 * transport adapter; nothing here names the networking library.
 *
 * @implNote write methods are thread-safe and non-blocking (they queue); input-control methods
 *           ({@link #resumeInput}, {@link #startTls}) are called by the connection's own handler.
 */
public interface Connection {

    /** Unique within this process. */
    long id();

    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();

    /** Queues raw text (the stream header and closing tag). */
    void writeRaw(String text);

    /** Queues one element, serialized in this stream's content namespace. */
    void write(XmlElement element);

    /** Queues pre-serialized UTF-8 bytes of a complete element. */
    void write(byte[] bytes);

    /**
     * Flushes what is queued, then closes. Later writes are dropped. Safe to call more than once.
     */
    void close();

    /**
     * Ends the stream (RFC 6120 §4.4, §4.9): the stream error element if there is one, then
     * {@code </stream:stream>}, then {@link #close()}.
     *
     * @param error a {@code <stream:error/>} element, or null for a plain close
     */
    default void closeStream(XmlElement error) {
        if (error != null) {
            write(error);
        }
        writeRaw("</stream:stream>");
        close();
    }

    /** Closes at once, dropping what is queued. */
    void abort();

    boolean isOpen();

    /** TLS state of the connection, or null before TLS is established. */
    TlsInfo tls();

    default boolean isSecure() {
        return tls() != null;
    }

    /**
     * STARTTLS (RFC 6120 §5.4.3.3): writes {@code proceed} in plaintext, then installs TLS and
     * restarts the parser; input pipelined after {@code <starttls/>} closes the connection (it
     * must never take effect after the handshake). The handler's
     * {@link ConnectionHandler#onTlsEstablished()} follows when the handshake completes.
     */
    void startTls(XmlElement proceed);

    /**
     * STARTTLS as the initiating side (RFC 6120 §5.4.3.3, server-to-server): after the peer's
     * {@code <proceed/>}, on which the parser paused, installs TLS in client mode (sending
     * {@code serverName} in SNI when not null), restarts the parser, and writes {@code afterHandshake}
     * (the new stream header) once the handshake has completed. Plaintext the peer pipelined after
     * {@code <proceed/>} closes the connection.
     */
    void startClientTls(String serverName, String afterHandshake);

    /**
     * Continues reading after the parser paused on an element the handler declared pausing.
     *
     * @param restartStream true when the next bytes begin a new stream (after SASL success)
     */
    void resumeInput(boolean restartStream);

    /** True when the peer sent more bytes after the element the parser paused on. */
    boolean hasPipelinedInput();

    /** Changes the parser limits (pre-auth to post-auth). */
    void setLimits(XmlLimits limits);

    /** After authentication: the connection no longer counts against the per-IP pre-auth cap. */
    void markAuthenticated();

    /** Bytes queued but not yet written to the socket. */
    long queuedBytes();

    /** Milliseconds since epoch of the last byte read. */
    long lastReadTime();

    /** The stream's content namespace used when writing elements ({@code jabber:client} by default). */
    void setContentNamespace(String ns);
}
