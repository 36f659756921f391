package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;

/**
 * A FAST token (XEP-0484) of one client installation: the key of its HT-* SASL mechanism.
 *
 * @param owner     the account
 * @param agent     the client's user-agent id (XEP-0388), one token chain per installation
 * @param mechanism e.g. {@code HT-SHA-256-NONE}
 * @param token     the secret
 * @param expiry    when it stops working
 * @param count     the highest {@code count} seen with it (replay protection), -1 when none yet
 */
public record FastToken(Jid owner, String agent, String mechanism, String token, Instant expiry, long count) {

    public FastToken withCount(long c) {
        return new FastToken(owner, agent, mechanism, token, expiry, c);
    }

    @Override
    public String toString() {
        return "FastToken[" + owner + ", " + agent + ", " + mechanism + ", expires " + expiry + "]";
    }
}
