package io.switchboard.handler;

import io.switchboard.jid.Jid;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Iq;

/**
 * An IQ request for the server to answer.
 *
 * @param iq      the request; {@code from} is trustworthy (stamped by the server)
 * @param session the sender's session when it is a client on this node, else null
 * @param target  who is asked: the server's domain, or an account's bare JID (RFC 6121 §8.5.2.1.3)
 */
public record IqRequest(Iq iq, ClientSession session, Jid target) {

    public Jid from() {
        return iq.from();
    }

    /** True when the sender is the account being asked (a user querying their own data). */
    public boolean fromOwner() {
        return iq.from() != null && target.hasLocal() && iq.from().sameBare(target);
    }
}
