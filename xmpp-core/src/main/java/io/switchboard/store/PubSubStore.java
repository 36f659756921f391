package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;
import java.util.Optional;

/**
 * Personal eventing (XEP-0163) nodes and their items, per account. Item order is publication
 * order: publishing an existing id replaces that item and makes it the newest.
 *
 * <p>Each method is all or nothing: when it throws, nothing of it was stored (one transaction in
 * PostgreSQL). A request that changes several things (a publish that creates its node, a
 * configuration that drops items, a retraction of several items) is one method for that reason.
 */
public interface PubSubStore {

    Optional<PubSubNode> node(Jid owner, String node);

    /** Every node of the account, by name. */
    List<PubSubNode> nodes(Jid owner);

    /** Creates a node, or replaces the configuration of an existing one (its items stay). */
    void putNode(PubSubNode node);

    /** Deletes a node with its items. @return false when there was no such node */
    boolean deleteNode(Jid owner, String node);

    /**
     * Stores an item (replacing the one with the same id) as the newest of its node, then removes
     * the oldest items beyond {@code maxItems}. The node must exist.
     *
     * @return the ids of the items removed to respect {@code maxItems}
     */
    List<String> publish(Jid owner, String node, PubSubItem item, int maxItems);

    /**
     * Creates a node (or replaces the configuration of an existing one, as {@link #putNode}) and
     * publishes an item to it, as {@link #publish}: both or neither.
     *
     * @return the ids of the items removed to respect {@code maxItems}
     */
    List<String> createAndPublish(PubSubNode node, PubSubItem item, int maxItems);

    /** Newest first, at most {@code max} items. */
    List<PubSubItem> items(Jid owner, String node, int max);

    Optional<PubSubItem> item(Jid owner, String node, String id);

    /**
     * Removes the items with these ids (unknown ones are ignored), all or none.
     *
     * @return the ids that were removed, in the order given
     */
    List<String> retract(Jid owner, String node, List<String> ids);

    /** Removes every item of a node. @return how many */
    int purge(Jid owner, String node);

    /**
     * Replaces the configuration of an existing node and removes its oldest items beyond
     * {@code maxItems}, both or neither. A node that does not exist (any more) is not created.
     *
     * @return the ids of the items removed
     */
    List<String> configure(PubSubNode node, int maxItems);

    /** Removes every node of an account (account deletion). */
    void deleteAll(Jid owner);
}
