package io.switchboard.jid;

/** A string is not a valid JID under RFC 7622; the message says which part and why. */
public final class MalformedJidException extends IllegalArgumentException {
    public MalformedJidException(String message) {
        super(message);
    }

    public MalformedJidException(String message, Throwable cause) {
        super(message, cause);
    }
}
