package io.switchboard.store.memory;

import io.switchboard.jid.Jid;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PEP nodes in memory: for tests and {@code storage.mode=memory}. Each operation locks only the
 * owning account's nodes, and changes them only after everything that can fail was checked, so
 * that it is all or nothing as the port requires.
 *
 * @implNote thread-safe.
 */
public final class InMemoryPubSubStore implements PubSubStore {

    private static final class Node {
        PubSubNode config;
        /** Oldest first; re-inserting moves an id to the end. */
        final LinkedHashMap<String, PubSubItem> items = new LinkedHashMap<>();

        Node(PubSubNode config) {
            this.config = config;
        }
    }

    private final ConcurrentHashMap<Jid, Map<String, Node>> accounts = new ConcurrentHashMap<>();

    /** The account's nodes, created on first write. */
    private Map<String, Node> of(Jid owner) {
        return accounts.computeIfAbsent(owner.bare(), k -> new TreeMap<>());
    }

    /** The account's nodes for reading: an unused account costs nothing. */
    private Map<String, Node> peek(Jid owner) {
        Map<String, Node> m = accounts.get(owner.bare());
        return m == null ? NONE : m;
    }

    private static final Map<String, Node> NONE = java.util.Collections.unmodifiableMap(new TreeMap<>());

    @Override
    public Optional<PubSubNode> node(Jid owner, String node) {
        Map<String, Node> m = peek(owner);
        synchronized (m) {
            Node n = m.get(node);
            return n == null ? Optional.empty() : Optional.of(n.config);
        }
    }

    @Override
    public List<PubSubNode> nodes(Jid owner) {
        Map<String, Node> m = peek(owner);
        synchronized (m) {
            List<PubSubNode> out = new ArrayList<>(m.size());
            for (Node n : m.values()) {
                out.add(n.config);
            }
            return out;
        }
    }

    @Override
    public void putNode(PubSubNode node) {
        Map<String, Node> m = of(node.owner());
        synchronized (m) {
            Node n = m.get(node.node());
            if (n == null) {
                m.put(node.node(), new Node(node));
            } else {
                n.config = node;
            }
        }
    }

    @Override
    public boolean deleteNode(Jid owner, String node) {
        Map<String, Node> m = peek(owner);
        if (m == NONE) {
            return false;
        }
        synchronized (m) {
            return m.remove(node) != null;
        }
    }

    @Override
    public List<String> publish(Jid owner, String node, PubSubItem item, int maxItems) {
        Map<String, Node> m = of(owner);
        synchronized (m) {
            Node n = m.get(node);
            if (n == null) {
                throw new IllegalStateException("no node " + node + " of " + owner);
            }
            return put(n, item, maxItems);
        }
    }

    @Override
    public List<String> createAndPublish(PubSubNode node, PubSubItem item, int maxItems) {
        Map<String, Node> m = of(node.owner());
        synchronized (m) {
            Node n = m.get(node.node());
            if (n == null) {
                n = new Node(node);
                m.put(node.node(), n);
            } else {
                n.config = node;
            }
            return put(n, item, maxItems);
        }
    }

    private static List<String> put(Node n, PubSubItem item, int maxItems) {
        n.items.remove(item.id());
        n.items.put(item.id(), item);
        return trim(n, maxItems);
    }

    private static List<String> trim(Node n, int maxItems) {
        List<String> removed = new ArrayList<>();
        Iterator<String> it = n.items.keySet().iterator();
        while (n.items.size() - removed.size() > maxItems && it.hasNext()) {
            removed.add(it.next());
        }
        n.items.keySet().removeAll(removed);
        return removed;
    }

    @Override
    public List<PubSubItem> items(Jid owner, String node, int max) {
        Map<String, Node> m = peek(owner);
        synchronized (m) {
            Node n = m.get(node);
            if (n == null) {
                return List.of();
            }
            List<PubSubItem> all = new ArrayList<>(n.items.values());
            List<PubSubItem> out = new ArrayList<>(Math.min(max, all.size()));
            for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
                out.add(all.get(i));
            }
            return out;
        }
    }

    @Override
    public Optional<PubSubItem> item(Jid owner, String node, String id) {
        Map<String, Node> m = peek(owner);
        synchronized (m) {
            Node n = m.get(node);
            return n == null ? Optional.empty() : Optional.ofNullable(n.items.get(id));
        }
    }

    @Override
    public List<String> retract(Jid owner, String node, List<String> ids) {
        Map<String, Node> m = peek(owner);
        synchronized (m) {
            Node n = m.get(node);
            if (n == null) {
                return List.of();
            }
            List<String> removed = new ArrayList<>();
            for (String id : ids) {
                if (n.items.remove(id) != null) {
                    removed.add(id);
                }
            }
            return removed;
        }
    }

    @Override
    public int purge(Jid owner, String node) {
        Map<String, Node> m = peek(owner);
        synchronized (m) {
            Node n = m.get(node);
            if (n == null) {
                return 0;
            }
            int size = n.items.size();
            n.items.clear();
            return size;
        }
    }

    @Override
    public List<String> configure(PubSubNode node, int maxItems) {
        Map<String, Node> m = peek(node.owner());
        synchronized (m) {
            Node n = m.get(node.node());
            if (n == null) {
                return List.of();
            }
            n.config = node;
            return trim(n, maxItems);
        }
    }

    @Override
    public void deleteAll(Jid owner) {
        accounts.remove(owner.bare());
    }
}
