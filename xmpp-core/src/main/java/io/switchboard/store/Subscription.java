package io.switchboard.store;

/** Presence subscription state of a roster item (RFC 6121 §2.1.2.5), without the pending flags. */
public enum Subscription {
    NONE, TO, FROM, BOTH;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The user receives the contact's presence. */
    public boolean hasTo() {
        return this == TO || this == BOTH;
    }

    /** The contact receives the user's presence. */
    public boolean hasFrom() {
        return this == FROM || this == BOTH;
    }

    public static Subscription of(boolean to, boolean from) {
        return to ? (from ? BOTH : TO) : (from ? FROM : NONE);
    }
}
