package io.switchboard.store.memory;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.AccountChange;
import io.switchboard.store.ArchivePreferences;
import io.switchboard.store.ArchivePreferencesStore;
import io.switchboard.store.BlockListStore;
import io.switchboard.store.FastToken;
import io.switchboard.store.FastTokenStore;
import io.switchboard.store.MessageArchive;
import io.switchboard.store.PushRegistration;
import io.switchboard.store.PushStore;
import io.switchboard.store.VCardStore;
import io.switchboard.store.DuplicateAccountException;
import io.switchboard.store.LastActivity;
import io.switchboard.store.LastActivityStore;
import io.switchboard.store.OfflineStore;
import io.switchboard.store.PrivateXmlStore;
import io.switchboard.store.RosterItem;
import io.switchboard.store.RosterSnapshot;
import io.switchboard.store.RosterStore;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import io.switchboard.store.Storage;
import io.switchboard.store.StoredMessage;
import io.switchboard.store.UserStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Storage in memory: for tests and {@code storage.mode=memory} (benchmarks). Nothing survives the
 * process. Each operation locks only the owning user's data.
 *
 * @implNote thread-safe.
 */
public final class InMemoryStorage implements Storage {

    private final ConcurrentSkipListMap<Jid, Account> accounts = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<Jid, Roster> rosters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, List<StoredMessage>> offline = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, Map<String, String>> privateXml = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, LastActivity> last = new ConcurrentHashMap<>();
    private final List<Consumer<AccountChange>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    /**
     * Messages each archive keeps in {@code storage.mode=memory} (the newest): that mode is for tests
     * and benchmarks, and an archive that grows without bound in the heap measures the garbage
     * collector, not the server (a 1:1 benchmark archives every message twice; with every copy kept,
     * young collections took 75-230 ms once the heap held 1.5 GB of archive).
     */
    public static final int MEMORY_MODE_ARCHIVE_MAX = 1_000;

    private final InMemoryArchive archive;

    /** Keeps every archived message (tests). */
    public InMemoryStorage() {
        this(0);
    }

    /** @param archiveMaxPerOwner newest messages each archive keeps; 0 keeps all */
    public InMemoryStorage(int archiveMaxPerOwner) {
        this.archive = new InMemoryArchive(archiveMaxPerOwner);
    }
    private final InMemoryMucRoomStore mucRooms = new InMemoryMucRoomStore();
    private final InMemoryPubSubStore pubsub = new InMemoryPubSubStore();
    private final ConcurrentHashMap<Jid, ArchivePreferences> archivePrefs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, Set<Jid>> blocks = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, String> vcardMap = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, List<PushRegistration>> pushMap = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<FastToken>> fastTokens = new ConcurrentHashMap<>();
    private final UserStore users = new Users();
    private final RosterStore rosterStore = new Rosters();
    private final OfflineStore offlineStore = new Offline();
    private final PrivateXmlStore privateStore = new Private();
    private final LastActivityStore lastStore = new Last();

    private static final class Roster {
        final LinkedHashMap<Jid, RosterItem> items = new LinkedHashMap<>();
        long version;
    }

    @Override
    public UserStore users() {
        return users;
    }

    @Override
    public RosterStore rosters() {
        return rosterStore;
    }

    @Override
    public OfflineStore offline() {
        return offlineStore;
    }

    @Override
    public PrivateXmlStore privateXml() {
        return privateStore;
    }

    @Override
    public LastActivityStore lastActivity() {
        return lastStore;
    }

    @Override
    public MessageArchive archive() {
        return archive;
    }

    @Override
    public io.switchboard.store.MucRoomStore mucRooms() {
        return mucRooms;
    }

    @Override
    public io.switchboard.store.PubSubStore pubsub() {
        return pubsub;
    }

    @Override
    public ArchivePreferencesStore archivePreferences() {
        return new ArchivePreferencesStore() {
            @Override
            public Optional<ArchivePreferences> get(Jid owner) {
                return Optional.ofNullable(archivePrefs.get(owner));
            }

            @Override
            public void put(Jid owner, ArchivePreferences prefs) {
                archivePrefs.put(owner, prefs);
            }
        };
    }

    @Override
    public BlockListStore blockLists() {
        return new BlockListStore() {
            @Override
            public Set<Jid> load(Jid owner) {
                Set<Jid> s = blocks.get(owner);
                if (s == null) {
                    return Set.of();
                }
                synchronized (s) {
                    return Set.copyOf(s);
                }
            }

            @Override
            public boolean add(Jid owner, java.util.Collection<Jid> jids, int max) {
                Set<Jid> s = blocks.computeIfAbsent(owner, k -> new java.util.LinkedHashSet<>());
                synchronized (s) {
                    Set<Jid> next = new java.util.LinkedHashSet<>(s);
                    next.addAll(jids);
                    if (next.size() > max) {
                        return false;
                    }
                    s.addAll(jids);
                    return true;
                }
            }

            @Override
            public void remove(Jid owner, java.util.Collection<Jid> jids) {
                Set<Jid> s = blocks.get(owner);
                if (s != null) {
                    synchronized (s) {
                        s.removeAll(jids);
                    }
                }
            }

            @Override
            public void clear(Jid owner) {
                blocks.remove(owner);
            }
        };
    }

    @Override
    public FastTokenStore fastTokens() {
        return new FastTokenStore() {
            private String key(Jid owner, String agent) {
                return owner + " " + agent;
            }

            @Override
            public void rotate(FastToken token) {
                if (!accounts.containsKey(token.owner())) {
                    return;
                }
                fastTokens.compute(key(token.owner(), token.agent()), (k, l) -> {
                    List<FastToken> next = new ArrayList<>();
                    next.add(token);
                    if (l != null && !l.isEmpty()) {
                        next.add(l.get(0));
                    }
                    return List.copyOf(next);
                });
            }

            @Override
            public List<FastToken> find(Jid owner, String agent) {
                return fastTokens.getOrDefault(key(owner, agent), List.of());
            }

            @Override
            public void updateCount(FastToken token, long count) {
                fastTokens.computeIfPresent(key(token.owner(), token.agent()), (k, l) -> l.stream()
                        .map(t -> t.token().equals(token.token()) ? t.withCount(count) : t).toList());
            }

            @Override
            public void remove(Jid owner, String agent) {
                fastTokens.remove(key(owner, agent));
            }
        };
    }

    @Override
    public PushStore push() {
        return new PushStore() {
            @Override
            public void put(PushRegistration r) {
                if (!accounts.containsKey(r.owner())) {
                    return;
                }
                List<PushRegistration> l = pushMap.computeIfAbsent(r.owner(), k -> new ArrayList<>());
                synchronized (l) {
                    l.removeIf(x -> x.service().equals(r.service()) && x.node().equals(r.node()));
                    l.add(r);
                }
            }

            @Override
            public List<PushRegistration> list(Jid owner) {
                List<PushRegistration> l = pushMap.get(owner);
                if (l == null) {
                    return List.of();
                }
                synchronized (l) {
                    return List.copyOf(l);
                }
            }

            @Override
            public int remove(Jid owner, Jid service, String node) {
                List<PushRegistration> l = pushMap.get(owner);
                if (l == null) {
                    return 0;
                }
                synchronized (l) {
                    int before = l.size();
                    l.removeIf(x -> x.service().equals(service) && (node == null || x.node().equals(node)));
                    return before - l.size();
                }
            }
        };
    }

    @Override
    public VCardStore vcards() {
        return new VCardStore() {
            @Override
            public Optional<String> get(Jid owner) {
                return Optional.ofNullable(vcardMap.get(owner));
            }

            @Override
            public void put(Jid owner, String vcard) {
                vcardMap.put(owner, vcard);
            }

            @Override
            public void delete(Jid owner) {
                vcardMap.remove(owner);
            }
        };
    }

    @Override
    public void onAccountChange(Consumer<AccountChange> listener) {
        listeners.add(listener);
    }

    private void fire(AccountChange c) {
        for (Consumer<AccountChange> l : listeners) {
            l.accept(c);
        }
    }

    @Override
    public String describe() {
        return "in-memory storage (not durable)";
    }

    @Override
    public void close() {
        listeners.clear();
    }

    private final class Users implements UserStore {
        @Override
        public void create(Account account) {
            if (accounts.putIfAbsent(account.jid(), account) != null) {
                throw new DuplicateAccountException(account.jid());
            }
            fire(new AccountChange(AccountChange.Kind.CREATED, account.jid()));
        }

        @Override
        public List<Jid> createAll(List<Account> list) {
            List<Jid> skipped = new ArrayList<>();
            Set<Jid> seen = new HashSet<>();
            for (Account a : list) {
                if (!seen.add(a.jid()) || accounts.putIfAbsent(a.jid(), a) != null) {
                    skipped.add(a.jid());
                }
            }
            return skipped;
        }

        @Override
        public Optional<Account> find(Jid bare) {
            return Optional.ofNullable(accounts.get(bare));
        }

        @Override
        public boolean exists(Jid bare) {
            return accounts.containsKey(bare);
        }

        @Override
        public boolean delete(Jid bare) {
            if (accounts.remove(bare) == null) {
                return false;
            }
            rosters.remove(bare);
            offline.remove(bare);
            privateXml.remove(bare);
            last.remove(bare);
            archive.deleteOwner(bare);
            archivePrefs.remove(bare);
            blocks.remove(bare);
            vcardMap.remove(bare);
            pushMap.remove(bare);
            fastTokens.keySet().removeIf(k -> k.startsWith(bare + " "));
            pubsub.deleteAll(bare);
            fire(new AccountChange(AccountChange.Kind.DELETED, bare));
            return true;
        }

        @Override
        public boolean setCredentials(Jid bare, Map<ScramHash, ScramCredential> credentials) {
            Account updated = accounts.computeIfPresent(bare,
                    (k, a) -> new Account(a.jid(), a.admin(), a.created(), credentials));
            if (updated != null) {
                fire(new AccountChange(AccountChange.Kind.PASSWORD_CHANGED, bare));
            }
            return updated != null;
        }

        @Override
        public boolean setAdmin(Jid bare, boolean admin) {
            return accounts.computeIfPresent(bare, (k, a) -> new Account(a.jid(), admin, a.created(), a.credentials())) != null;
        }

        @Override
        public List<Jid> list(int offset, int limit) {
            return accounts.keySet().stream().skip(offset).limit(limit).toList();
        }

        @Override
        public long count() {
            return accounts.size();
        }
    }

    private final class Rosters implements RosterStore {
        @Override
        public RosterSnapshot load(Jid owner) {
            Roster r = rosters.get(owner);
            if (r == null) {
                return new RosterSnapshot(List.of(), 0);
            }
            synchronized (r) {
                return new RosterSnapshot(new ArrayList<>(r.items.values()), r.version);
            }
        }

        @Override
        public long put(Jid owner, RosterItem item) {
            if (!accounts.containsKey(owner)) {
                throw new io.switchboard.store.StorageException("no account " + owner);
            }
            Roster r = rosters.computeIfAbsent(owner, k -> new Roster());
            synchronized (r) {
                r.items.put(item.jid(), item);
                return ++r.version;
            }
        }

        @Override
        public long remove(Jid owner, Jid contact) {
            Roster r = rosters.get(owner);
            if (r == null) {
                return 0;
            }
            synchronized (r) {
                if (r.items.remove(contact) != null) {
                    r.version++;
                }
                return r.version;
            }
        }
    }

    private final class Offline implements OfflineStore {
        @Override
        public boolean store(Jid owner, String stanza, Instant received, int maxCount, long maxBytes) {
            if (!accounts.containsKey(owner)) {
                return false;
            }
            List<StoredMessage> list = offline.computeIfAbsent(owner, k -> new ArrayList<>());
            synchronized (list) {
                long bytes = 0;
                for (StoredMessage m : list) {
                    bytes += m.stanza().getBytes(StandardCharsets.UTF_8).length;
                }
                if (list.size() >= maxCount || bytes + stanza.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
                    return false;
                }
                list.add(new StoredMessage(ids.incrementAndGet(), received, stanza));
                return true;
            }
        }

        @Override
        public List<StoredMessage> fetch(Jid owner, int limit) {
            List<StoredMessage> list = offline.get(owner);
            if (list == null) {
                return List.of();
            }
            synchronized (list) {
                return List.copyOf(list.subList(0, Math.min(limit, list.size())));
            }
        }

        @Override
        public void delete(Jid owner, List<Long> ids) {
            List<StoredMessage> list = offline.get(owner);
            if (list == null) {
                return;
            }
            Set<Long> gone = new HashSet<>(ids);
            synchronized (list) {
                list.removeIf(m -> gone.contains(m.id()));
            }
        }

        @Override
        public int count(Jid owner) {
            List<StoredMessage> list = offline.get(owner);
            if (list == null) {
                return 0;
            }
            synchronized (list) {
                return list.size();
            }
        }
    }

    private final class Private implements PrivateXmlStore {
        @Override
        public Optional<String> get(Jid owner, String key) {
            Map<String, String> m = privateXml.get(owner);
            if (m == null) {
                return Optional.empty();
            }
            synchronized (m) {
                return Optional.ofNullable(m.get(key));
            }
        }

        @Override
        public boolean put(Jid owner, String key, String xml, long maxTotalBytes) {
            if (!accounts.containsKey(owner)) {
                return false;
            }
            Map<String, String> m = privateXml.computeIfAbsent(owner, k -> new LinkedHashMap<>());
            synchronized (m) {
                long total = xml.getBytes(StandardCharsets.UTF_8).length;
                for (Map.Entry<String, String> e : m.entrySet()) {
                    if (!e.getKey().equals(key)) {
                        total += e.getValue().getBytes(StandardCharsets.UTF_8).length;
                    }
                }
                if (total > maxTotalBytes) {
                    return false;
                }
                m.put(key, xml);
                return true;
            }
        }
    }

    private final class Last implements LastActivityStore {
        @Override
        public void set(Jid owner, Instant at, String status) {
            if (accounts.containsKey(owner)) {
                last.put(owner, new LastActivity(at, status));
            }
        }

        @Override
        public Optional<LastActivity> get(Jid owner) {
            return Optional.ofNullable(last.get(owner));
        }
    }
}
