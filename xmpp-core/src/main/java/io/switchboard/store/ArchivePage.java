package io.switchboard.store;

import java.util.List;

/**
 * A page of archived messages, ascending by id.
 *
 * @param complete true when there is nothing further in the direction of the query
 * @param count    total number of messages matching the filters (ignoring paging), or -1 if unknown
 */
public record ArchivePage(List<ArchivedMessage> messages, boolean complete, long count) {
}
