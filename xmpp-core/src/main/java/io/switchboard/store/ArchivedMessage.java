package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;

/**
 * One message in an archive (XEP-0313).
 *
 * @param owner    whose archive: a user's bare JID (or, later, a room's JID)
 * @param id       the archive id, also the XEP-0359 stanza-id; increasing with time within an archive
 * @param with     the other party's bare JID (the conversation)
 * @param outgoing true when the owner sent it
 * @param at       when the server handled it
 * @param originId the sender's origin-id (XEP-0359), or null
 * @param stanza   the message as XML (without delay or forwarding wrappers)
 */
public record ArchivedMessage(Jid owner, long id, Jid with, boolean outgoing, Instant at, String originId, String stanza) {
}
