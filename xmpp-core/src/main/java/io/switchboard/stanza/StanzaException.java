package io.switchboard.stanza;

/** Processing a stanza failed with an error that goes back to its sender. */
public class StanzaException extends Exception {
    private final StanzaError error;

    public StanzaException(StanzaError error) {
        super(error.condition() + (error.text() == null ? "" : ": " + error.text()), null, false, false);
        this.error = error;
    }

    public StanzaError error() {
        return error;
    }
}
