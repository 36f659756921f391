package io.switchboard.store;

import java.time.Instant;

/** An offline message: its storage id, when the server received it, and the stanza as XML. */
public record StoredMessage(long id, Instant received, String stanza) {
}
