package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.util.List;

/**
 * A personal eventing node (XEP-0163) of an account, with the configuration the PEP service
 * supports (XEP-0060 §16.4.4 field names in brackets).
 *
 * @param owner          the account (bare JID) that is the pubsub service
 * @param node           the node name
 * @param accessModel    who may retrieve items and be notified [pubsub#access_model]
 * @param persistItems   whether items are kept beyond the last one in memory [pubsub#persist_items]
 * @param maxItems       items kept, at least 1; {@link #MAX} for the server's limit [pubsub#max_items]
 * @param sendLast       when the last item is sent to subscribers [pubsub#send_last_published_item]
 * @param notifyRetract  whether retractions are notified [pubsub#notify_retract]
 * @param title          a friendly name, or null [pubsub#title]
 * @param rosterGroups   the roster groups allowed under the roster access model [pubsub#roster_groups_allowed]
 * @param created        when the node was created
 */
public record PubSubNode(Jid owner, String node, AccessModel accessModel, boolean persistItems, int maxItems,
                         SendLast sendLast, boolean notifyRetract, String title, List<String> rosterGroups,
                         Instant created) {

    /** {@code max_items=max}: as many as the server allows. */
    public static final int MAX = -1;

    public PubSubNode {
        rosterGroups = List.copyOf(rosterGroups);
        if (maxItems < 1 && maxItems != MAX) {
            throw new IllegalArgumentException("max_items must be at least 1");
        }
    }

    /** The defaults of a new node (XEP-0163 §4: access model presence). */
    public static PubSubNode defaults(Jid owner, String node, Instant created) {
        return new PubSubNode(owner, node, AccessModel.PRESENCE, true, 1, SendLast.ON_SUB_AND_PRESENCE, true, null,
                List.of(), created);
    }

    /** Access models (XEP-0060 §4.5); "authorize" is not supported. */
    public enum AccessModel {
        OPEN("open"), PRESENCE("presence"), ROSTER("roster"), WHITELIST("whitelist");

        private final String wire;

        AccessModel(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** @return the model, or null when unknown or unsupported */
        public static AccessModel parse(String s) {
            for (AccessModel m : values()) {
                if (m.wire.equals(s)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Values of pubsub#send_last_published_item. */
    public enum SendLast {
        NEVER("never"), ON_SUB("on_sub"), ON_SUB_AND_PRESENCE("on_sub_and_presence");

        private final String wire;

        SendLast(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** @return the value, or null when unknown */
        public static SendLast parse(String s) {
            for (SendLast m : values()) {
                if (m.wire.equals(s)) {
                    return m;
                }
            }
            return null;
        }
    }
}
