package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;

/**
 * One published item.
 *
 * @param id        the item id (unique within its node)
 * @param publisher the full or bare JID that published it
 * @param published when it was (last) published
 * @param payload   the payload element serialized as XML, or null for an item without payload
 */
public record PubSubItem(String id, Jid publisher, Instant published, String payload) {
}
