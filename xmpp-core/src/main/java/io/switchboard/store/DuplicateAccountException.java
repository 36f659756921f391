package io.switchboard.store;

import io.switchboard.jid.Jid;

/** An account with that JID already exists. */
public final class DuplicateAccountException extends RuntimeException {
    private final transient Jid jid;

    public DuplicateAccountException(Jid jid) {
        super("account " + jid + " already exists");
        this.jid = jid;
    }

    public Jid jid() {
        return jid;
    }
}
