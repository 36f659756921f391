package io.switchboard.store;

import io.switchboard.jid.Jid;

/**
 * An account was changed, possibly by another process (the command line while the server runs),
 * so that the server can act on it (disconnect a deleted user's sessions).
 */
public record AccountChange(Kind kind, Jid jid) {
    public enum Kind { CREATED, DELETED, PASSWORD_CHANGED }
}
