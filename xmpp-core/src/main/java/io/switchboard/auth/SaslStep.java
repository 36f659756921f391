package io.switchboard.auth;

import io.switchboard.jid.Jid;

/** The outcome of one step of a SASL exchange. */
public sealed interface SaslStep {

    /** Send a challenge and wait for the next response. */
    record Challenge(byte[] data) implements SaslStep {
    }

    /** Authenticated as {@code user}; {@code additionalData} goes in {@code <success/>} (may be null). */
    record Success(Jid user, byte[] additionalData) implements SaslStep {
    }

    /**
     * Failed. {@code credentialsChecked} is true when a password was wrong (these count for
     * throttling); false for malformed exchanges.
     */
    record Failure(SaslFailure condition, String text, Jid attemptedUser, boolean credentialsChecked) implements SaslStep {
    }
}
