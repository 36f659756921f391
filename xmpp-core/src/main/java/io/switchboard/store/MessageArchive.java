package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Message archives (XEP-0313): one per user, keyed by increasing ids. */
public interface MessageArchive {

    /** Stores messages (ids are assigned by the caller and unique per owner). */
    void append(List<ArchivedMessage> messages);

    ArchivePage query(ArchiveQuery query);

    /** The message with this id, if any. */
    Optional<ArchivedMessage> find(Jid owner, long id);

    /** The owner's message with this origin-id from (or to) {@code with}, newest first. */
    Optional<ArchivedMessage> findByOriginId(Jid owner, Jid with, String originId);

    /** Replaces the stored stanza of one message (retraction tombstones, XEP-0424). */
    boolean replace(Jid owner, long id, String stanza);

    /** Removes messages older than {@code before}. @return how many */
    long purgeBefore(Instant before);

    /** Smallest and largest id and the count of an archive (for XEP-0313 metadata), empty if none. */
    Optional<long[]> bounds(Jid owner);
}
