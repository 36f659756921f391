package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;

/** FAST tokens (XEP-0484): the current and the previous token of each client installation. */
public interface FastTokenStore {

    /** Makes {@code token} the current one of its installation; the former current one becomes the previous. */
    void rotate(FastToken token);

    /** The current and previous tokens of an installation (0 to 2, current first). */
    List<FastToken> find(Jid owner, String agent);

    /** Records the count of a successful authentication with a token. */
    void updateCount(FastToken token, long count);

    /** Removes every token of an installation. */
    void remove(Jid owner, String agent);
}
