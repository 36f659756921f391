package io.switchboard.ext.pubsub;

import io.switchboard.form.DataForm;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubNode.AccessModel;
import io.switchboard.store.PubSubNode.SendLast;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node configuration form (XEP-0060 §16.4.4) of the options the PEP service supports: reading
 * a submitted form into a {@link PubSubNode}, publish-options preconditions (XEP-0223), and the form
 * shown to the owner.
 */
final class NodeConfig {

    static final String ACCESS = "pubsub#access_model";
    static final String PERSIST = "pubsub#persist_items";
    static final String MAX_ITEMS = "pubsub#max_items";
    static final String SEND_LAST = "pubsub#send_last_published_item";
    static final String NOTIFY_RETRACT = "pubsub#notify_retract";
    static final String TITLE = "pubsub#title";
    static final String GROUPS = "pubsub#roster_groups_allowed";
    /** Options that always hold here: accepted when they ask for what the service does anyway. */
    private static final Map<String, String> FIXED = Map.of("pubsub#deliver_payloads", "true",
            "pubsub#deliver_notifications", "true", "pubsub#presence_based_delivery", "true",
            "pubsub#publish_model", "publishers", "pubsub#notify_delete", "true", "pubsub#type", "");

    private NodeConfig() {
    }

    /** Field values of a submitted form, trimmed, FORM_TYPE left out. */
    static Map<String, List<String>> values(XmlElement form, String formType) throws StanzaException {
        DataForm.requireFormType(form, formType, PepModule.NODE_CONFIG);
        Map<String, List<String>> out = DataForm.values(form);
        out.remove(DataForm.FORM_TYPE);
        out.replaceAll((var, vs) -> vs.stream().map(String::trim).toList());
        return out;
    }

    private static String one(List<String> vs) {
        return vs.isEmpty() ? "" : vs.get(0);
    }

    private static Boolean bool(String v) {
        return switch (v) {
            case "1", "true" -> Boolean.TRUE;
            case "0", "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** @return the max_items value ({@link PubSubNode#MAX} for 'max'), or null when invalid */
    private static Integer maxItems(String v, int limit) {
        if (v.equals("max")) {
            return PubSubNode.MAX;
        }
        try {
            int n = Integer.parseInt(v);
            return n >= 1 && n <= limit ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Applies a submitted configuration form (owner configure, create-and-configure). */
    static PubSubNode apply(PubSubNode n, XmlElement form, int limit) throws StanzaException {
        Map<String, List<String>> values = values(form, PepModule.NODE_CONFIG);
        PubSubNode out = n;
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            String v = one(e.getValue());
            out = with(out, e.getKey(), e.getValue(), v, limit);
            if (out == null) {
                throw new StanzaException(StanzaError.notAcceptable("unsupported value '" + v + "' of " + e.getKey()));
            }
        }
        return out;
    }

    /** One option applied, or null when the value is not supported. Unknown options are ignored. */
    private static PubSubNode with(PubSubNode n, String var, List<String> vs, String v, int limit) {
        switch (var) {
            case ACCESS -> {
                AccessModel m = AccessModel.parse(v);
                return m == null ? null : new PubSubNode(n.owner(), n.node(), m, n.persistItems(), n.maxItems(),
                        n.sendLast(), n.notifyRetract(), n.title(), n.rosterGroups(), n.created());
            }
            case PERSIST -> {
                Boolean b = bool(v);
                return b == null ? null : new PubSubNode(n.owner(), n.node(), n.accessModel(), b, n.maxItems(),
                        n.sendLast(), n.notifyRetract(), n.title(), n.rosterGroups(), n.created());
            }
            case MAX_ITEMS -> {
                Integer m = maxItems(v, limit);
                return m == null ? null : new PubSubNode(n.owner(), n.node(), n.accessModel(), n.persistItems(), m,
                        n.sendLast(), n.notifyRetract(), n.title(), n.rosterGroups(), n.created());
            }
            case SEND_LAST -> {
                SendLast s = SendLast.parse(v);
                return s == null ? null : new PubSubNode(n.owner(), n.node(), n.accessModel(), n.persistItems(),
                        n.maxItems(), s, n.notifyRetract(), n.title(), n.rosterGroups(), n.created());
            }
            case NOTIFY_RETRACT -> {
                Boolean b = bool(v);
                return b == null ? null : new PubSubNode(n.owner(), n.node(), n.accessModel(), n.persistItems(),
                        n.maxItems(), n.sendLast(), b, n.title(), n.rosterGroups(), n.created());
            }
            case TITLE -> {
                return v.length() > 1024 ? null : new PubSubNode(n.owner(), n.node(), n.accessModel(), n.persistItems(),
                        n.maxItems(), n.sendLast(), n.notifyRetract(), v.isEmpty() ? null : v, n.rosterGroups(),
                        n.created());
            }
            case GROUPS -> {
                return vs.size() > 100 ? null : new PubSubNode(n.owner(), n.node(), n.accessModel(), n.persistItems(),
                        n.maxItems(), n.sendLast(), n.notifyRetract(), n.title(), vs, n.created());
            }
            default -> {
                String fixed = FIXED.get(var);
                if (fixed != null && !fixed.isEmpty() && !fixed.equals(v) && !(fixed.equals("true") && v.equals("1"))) {
                    return null;
                }
                return n;
            }
        }
    }

    /**
     * Checks publish-options (XEP-0060 §7.1.5): on a new node they become its configuration; on an
     * existing one each option must match, else {@code <conflict/>} with
     * {@code <precondition-not-met/>}.
     */
    static PubSubNode precondition(PubSubNode n, XmlElement form, int limit, boolean creating) throws StanzaException {
        Map<String, List<String>> values = values(form, PepModule.PUBLISH_OPTIONS);
        PubSubNode out = n;
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            String v = one(e.getValue());
            PubSubNode next = with(out, e.getKey(), e.getValue(), v, limit);
            if (next == null || (!creating && !next.equals(out))) {
                throw new StanzaException(PepModule.pubsubError(StanzaError.conflict(
                        "the node's " + e.getKey() + " is not " + v), "precondition-not-met"));
            }
            out = next;
        }
        return out;
    }

    /** The configuration form of a node (owner configure get). */
    static XmlElement form(PubSubNode n, int limit) {
        XmlElement.Builder x = DataForm.form("form");
        x.child(DataForm.formTypeField(PepModule.NODE_CONFIG));
        x.child(DataForm.field(TITLE, "text-single", "A friendly name for the node", n.title()));
        List<String> models = new ArrayList<>();
        for (AccessModel m : AccessModel.values()) {
            models.add(m.wire());
        }
        x.child(DataForm.field(ACCESS, "list-single", "Who may subscribe and retrieve items", List.of(n.accessModel().wire()),
                DataForm.options(models)));
        x.child(DataForm.field(GROUPS, "list-multi", "Roster groups allowed to subscribe", n.rosterGroups(), null));
        x.child(DataForm.field(PERSIST, "boolean", "Persist items", List.of(DataForm.bool(n.persistItems())), null));
        x.child(DataForm.field(MAX_ITEMS, "text-single", "Most items to keep (at most " + limit + ", or max)",
                List.of(n.maxItems() == PubSubNode.MAX ? "max" : Integer.toString(n.maxItems())), null));
        List<String> sends = new ArrayList<>();
        for (SendLast s : SendLast.values()) {
            sends.add(s.wire());
        }
        x.child(DataForm.field(SEND_LAST, "list-single", "When to send the last published item", List.of(n.sendLast().wire()),
                DataForm.options(sends)));
        x.child(DataForm.field(NOTIFY_RETRACT, "boolean", "Notify subscribers when items are removed",
                List.of(DataForm.bool(n.notifyRetract())), null));
        return x.build();
    }
}
