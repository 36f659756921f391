package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;

/**
 * A page request against one archive. All filters are optional (null). Results are ordered by id;
 * {@code before} pages backwards (the page just before that id, returned in ascending order).
 *
 * @param with     only this conversation (bare JID; a full JID matches that resource's messages only
 *                 in implementations that keep resources; ours match on the bare JID)
 * @param startId  ids at or after this one (from a start time)
 * @param endId    ids at or before this one (from an end time)
 * @param afterId  ids strictly after
 * @param beforeId ids strictly before
 * @param ids      exactly these ids (XEP-0313 #extended); other filters still apply
 * @param max      page size (already capped by the caller)
 * @param last     true to take the last page of the range (RSM {@code <before/>} with no id)
 */
public record ArchiveQuery(Jid owner, Jid with, Long startId, Long endId, Long afterId, Long beforeId, List<Long> ids,
                           int max, boolean last) {
}
