package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Storage} implementation must have. Implementations extend this class
 * and provide {@link #storage()}; tests use fresh JIDs so that one database can serve them all.
 */
public abstract class StorageContract {

    protected abstract Storage storage();

    protected static Jid freshUser() {
        return Jid.of("u" + UUID.randomUUID().toString().replace("-", "").substring(0, 16) + "@contract.test");
    }

    protected static Account account(Jid jid) {
        ScramCredential c1 = new ScramCredential(ScramHash.SHA_1, new byte[]{1, 2, 3}, 4096, new byte[20], new byte[20]);
        ScramCredential c256 = new ScramCredential(ScramHash.SHA_256, new byte[]{4, 5, 6}, 4096, new byte[32], new byte[32]);
        return new Account(jid, false, Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Map.of(ScramHash.SHA_1, c1, ScramHash.SHA_256, c256));
    }

    // ---- users ----

    @Test
    void createsFindsAndDeletesAccounts() {
        Jid u = freshUser();
        Account a = account(u);
        storage().users().create(a);
        assertThat(storage().users().exists(u)).isTrue();
        Account found = storage().users().find(u).orElseThrow();
        assertThat(found.jid()).isEqualTo(u);
        assertThat(found.admin()).isFalse();
        assertThat(found.credential(ScramHash.SHA_256)).isEqualTo(a.credential(ScramHash.SHA_256));
        assertThat(found.credential(ScramHash.SHA_1)).isEqualTo(a.credential(ScramHash.SHA_1));
        assertThat(storage().users().delete(u)).isTrue();
        assertThat(storage().users().exists(u)).isFalse();
        assertThat(storage().users().find(u)).isEmpty();
        assertThat(storage().users().delete(u)).isFalse();
    }

    @Test
    void refusesDuplicateAccounts() {
        Jid u = freshUser();
        storage().users().create(account(u));
        assertThatThrownBy(() -> storage().users().create(account(u))).isInstanceOf(DuplicateAccountException.class);
    }

    @Test
    void createAllSkipsExistingAndRepeatedJids() {
        Jid existing = freshUser();
        storage().users().create(account(existing));
        Jid a = freshUser();
        Jid b = freshUser();
        List<Jid> skipped = storage().users().createAll(List.of(account(a), account(existing), account(b), account(a)));
        assertThat(skipped).containsExactlyInAnyOrder(existing, a);
        assertThat(storage().users().exists(a)).isTrue();
        assertThat(storage().users().exists(b)).isTrue();
    }

    @Test
    void replacesCredentialsAndAdminFlag() {
        Jid u = freshUser();
        storage().users().create(account(u));
        ScramCredential c = new ScramCredential(ScramHash.SHA_256, new byte[]{9}, 10000, new byte[32], new byte[32]);
        assertThat(storage().users().setCredentials(u, Map.of(ScramHash.SHA_256, c))).isTrue();
        Account found = storage().users().find(u).orElseThrow();
        assertThat(found.credential(ScramHash.SHA_256)).isEqualTo(c);
        assertThat(found.credential(ScramHash.SHA_1)).isNull();
        assertThat(storage().users().setAdmin(u, true)).isTrue();
        assertThat(storage().users().find(u).orElseThrow().admin()).isTrue();
        assertThat(storage().users().setCredentials(freshUser(), Map.of())).isFalse();
    }

    @Test
    void listsAccountsInOrder() {
        long before = storage().users().count();
        Jid a = freshUser();
        storage().users().create(account(a));
        assertThat(storage().users().count()).isEqualTo(before + 1);
        List<Jid> all = storage().users().list(0, Integer.MAX_VALUE);
        assertThat(all).contains(a);
        List<Jid> sorted = new ArrayList<>(all);
        sorted.sort(null);
        assertThat(all).isEqualTo(sorted);
    }

    @Test
    void notifiesAccountChanges() throws Exception {
        List<AccountChange> seen = new CopyOnWriteArrayList<>();
        storage().onAccountChange(seen::add);
        Jid u = freshUser();
        storage().users().create(account(u));
        storage().users().delete(u);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (seen.stream().noneMatch(c -> c.jid().equals(u) && c.kind() == AccountChange.Kind.DELETED)) {
            assertThat(System.nanoTime()).as("DELETED notification within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }

    // ---- roster ----

    @Test
    void rosterItemsRoundTripWithVersions() {
        Jid u = freshUser();
        storage().users().create(account(u));
        assertThat(storage().rosters().load(u).items()).isEmpty();
        Jid c = Jid.of("contact@other.test");
        RosterItem item = new RosterItem(c, "Contact ☺", List.of("Friends", "Work"), Subscription.TO, false, true, false,
                true, "<presence type='subscribe'/>");
        long v1 = storage().rosters().put(u, item);
        RosterSnapshot s = storage().rosters().load(u);
        assertThat(s.version()).isEqualTo(v1);
        assertThat(s.items()).containsExactly(item);
        RosterItem changed = item.withGroups(List.of("Work")).withName(null);
        long v2 = storage().rosters().put(u, changed);
        assertThat(v2).isGreaterThan(v1);
        assertThat(storage().rosters().load(u).items()).containsExactly(changed);
        long v3 = storage().rosters().remove(u, c);
        assertThat(v3).isGreaterThan(v2);
        assertThat(storage().rosters().load(u).items()).isEmpty();
        assertThat(storage().rosters().remove(u, c)).isEqualTo(v3);
    }

    @Test
    void rostersAreDeletedWithTheAccount() {
        Jid u = freshUser();
        storage().users().create(account(u));
        storage().rosters().put(u, RosterItem.of(Jid.of("x@y.test")));
        storage().offline().store(u, "<message/>", Instant.now(), 10, 10_000);
        storage().privateXml().put(u, "a:b", "<b xmlns='a'/>", 10_000);
        storage().lastActivity().set(u, Instant.now(), "bye");
        storage().users().delete(u);
        assertThat(storage().rosters().load(u).items()).isEmpty();
        assertThat(storage().offline().count(u)).isZero();
        assertThat(storage().privateXml().get(u, "a:b")).isEmpty();
        assertThat(storage().lastActivity().get(u)).isEmpty();
    }

    // ---- offline ----

    @Test
    void offlineMessagesAreKeptInOrderWithinQuota() {
        Jid u = freshUser();
        storage().users().create(account(u));
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < 5; i++) {
            assertThat(storage().offline().store(u, "<message id='" + i + "'/>", t.plusMillis(i), 5, 1_000_000)).isTrue();
        }
        assertThat(storage().offline().store(u, "<message id='6'/>", t, 5, 1_000_000)).isFalse();
        assertThat(storage().offline().count(u)).isEqualTo(5);
        List<StoredMessage> got = storage().offline().fetch(u, 3);
        assertThat(got).extracting(StoredMessage::stanza)
                .containsExactly("<message id='0'/>", "<message id='1'/>", "<message id='2'/>");
        assertThat(got.get(0).received()).isEqualTo(t);
        storage().offline().delete(u, got.stream().map(StoredMessage::id).toList());
        assertThat(storage().offline().fetch(u, 10)).extracting(StoredMessage::stanza)
                .containsExactly("<message id='3'/>", "<message id='4'/>");
    }

    @Test
    void offlineByteQuotaIsEnforced() {
        Jid u = freshUser();
        storage().users().create(account(u));
        String big = "<message><body>" + "x".repeat(600) + "</body></message>";
        assertThat(storage().offline().store(u, big, Instant.now(), 100, 1000)).isTrue();
        assertThat(storage().offline().store(u, big, Instant.now(), 100, 1000)).isFalse();
    }

    @Test
    void concurrentOfflineStoresNeverExceedTheQuota() throws Exception {
        Jid u = freshUser();
        storage().users().create(account(u));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String s = "<message id='" + i + "'/>";
                results.add(pool.submit(() -> storage().offline().store(u, s, Instant.now(), 25, 1_000_000)));
            }
            int stored = 0;
            for (Future<Boolean> f : results) {
                if (f.get()) {
                    stored++;
                }
            }
            assertThat(stored).isEqualTo(25);
            assertThat(storage().offline().count(u)).isEqualTo(25);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void storesTextThatNeedsEscapingVerbatim() {
        Jid u = freshUser();
        storage().users().create(account(u));
        String s = "<message><body>a'--; $$ \\ % _ '||pg_sleep(5)||' 😀 漢字</body></message>";
        storage().offline().store(u, s, Instant.now(), 10, 100_000);
        assertThat(storage().offline().fetch(u, 1).get(0).stanza()).isEqualTo(s);
    }

    // ---- private XML and last activity ----

    @Test
    void privateXmlIsStoredPerKeyWithinQuota() {
        Jid u = freshUser();
        storage().users().create(account(u));
        assertThat(storage().privateXml().get(u, "storage:bookmarks")).isEmpty();
        assertThat(storage().privateXml().put(u, "storage:bookmarks", "<storage xmlns='storage:bookmarks'/>", 100)).isTrue();
        assertThat(storage().privateXml().put(u, "storage:bookmarks", "<storage xmlns='storage:bookmarks'><x/></storage>", 100)).isTrue();
        assertThat(storage().privateXml().get(u, "storage:bookmarks")).contains("<storage xmlns='storage:bookmarks'><x/></storage>");
        assertThat(storage().privateXml().put(u, "other", "y".repeat(80), 100)).isFalse();
        assertThat(storage().privateXml().get(u, "other")).isEmpty();
    }

    @Test
    void lastActivityIsReplaced() {
        Jid u = freshUser();
        storage().users().create(account(u));
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        storage().lastActivity().set(u, t, "gone");
        storage().lastActivity().set(u, t.plusSeconds(5), null);
        LastActivity la = storage().lastActivity().get(u).orElseThrow();
        assertThat(la.at()).isEqualTo(t.plusSeconds(5));
        assertThat(la.status()).isNull();
    }

    // ---- writes for accounts that do not exist ----

    @Test
    void writesForMissingAccountsAreRefusedOrIgnored() {
        Jid ghost = freshUser();
        assertThat(storage().offline().store(ghost, "<message/>", Instant.now(), 10, 10_000)).isFalse();
        assertThat(storage().privateXml().put(ghost, "k", "<x xmlns='k'/>", 10_000)).isFalse();
        storage().lastActivity().set(ghost, Instant.now(), null);
        assertThat(storage().lastActivity().get(ghost)).isEmpty();
        assertThatThrownBy(() -> storage().rosters().put(ghost, RosterItem.of(Jid.of("x@y.test"))))
                .isInstanceOf(StorageException.class);
        assertThat(storage().rosters().remove(ghost, Jid.of("x@y.test"))).isZero();
    }

    // ---- message archive ----

    private static ArchivedMessage archived(Jid owner, long id, String with, boolean out, String origin) {
        return new ArchivedMessage(owner, id, Jid.of(with), out, Instant.ofEpochMilli(id >>> 20),
                origin, "<message xmlns='jabber:client' id='m" + id + "'><body>" + id + " 'quoted' & 😀</body></message>");
    }

    private static List<Long> ids(ArchivePage p) {
        return p.messages().stream().map(ArchivedMessage::id).toList();
    }

    @Test
    void archivePagesForwardsAndBackwards() {
        Jid u = freshUser();
        storage().users().create(account(u));
        List<ArchivedMessage> all = new ArrayList<>();
        long base = 1_700_000_000_000L << 20;
        for (int i = 1; i <= 25; i++) {
            all.add(archived(u, base + i * 1000L, i % 2 == 0 ? "bob@x.test" : "carol@y.test", i % 3 == 0, "o" + i));
        }
        storage().archive().append(all);
        ArchivePage first = storage().archive().query(new ArchiveQuery(u, null, null, null, null, null, null, 10, false));
        assertThat(ids(first)).hasSize(10).startsWith(base + 1000).endsWith(base + 10_000);
        assertThat(first.complete()).isFalse();
        assertThat(first.count()).isIn(25L, -1L);
        ArchivePage second = storage().archive().query(new ArchiveQuery(u, null, null, null, base + 10_000, null, null, 10, false));
        assertThat(ids(second)).startsWith(base + 11_000).endsWith(base + 20_000);
        ArchivePage third = storage().archive().query(new ArchiveQuery(u, null, null, null, base + 20_000, null, null, 10, false));
        assertThat(ids(third)).hasSize(5);
        assertThat(third.complete()).isTrue();
        ArchivePage last = storage().archive().query(new ArchiveQuery(u, null, null, null, null, null, null, 10, true));
        assertThat(ids(last)).startsWith(base + 16_000).endsWith(base + 25_000);
        assertThat(last.complete()).isFalse();
        ArchivePage before = storage().archive().query(new ArchiveQuery(u, null, null, null, null, base + 16_000, null, 10, false));
        assertThat(ids(before)).startsWith(base + 6000).endsWith(base + 15_000);
        ArchivePage earliest = storage().archive().query(new ArchiveQuery(u, null, null, null, null, base + 6000, null, 10, false));
        assertThat(ids(earliest)).hasSize(5).startsWith(base + 1000);
        assertThat(earliest.complete()).isTrue();
    }

    @Test
    void archiveFiltersByConversationRangeAndIds() {
        Jid u = freshUser();
        storage().users().create(account(u));
        long base = 1_700_000_000_000L << 20;
        List<ArchivedMessage> all = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            all.add(archived(u, base + i, i <= 4 ? "bob@x.test" : "carol@y.test", false, null));
        }
        storage().archive().append(all);
        assertThat(ids(storage().archive().query(new ArchiveQuery(u, Jid.of("bob@x.test"), null, null, null, null, null, 50,
                false)))).containsExactly(base + 1, base + 2, base + 3, base + 4);
        assertThat(ids(storage().archive().query(new ArchiveQuery(u, null, base + 3, base + 6, null, null, null, 50, false))))
                .containsExactly(base + 3, base + 4, base + 5, base + 6);
        assertThat(ids(storage().archive().query(new ArchiveQuery(u, null, null, null, null, null,
                List.of(base + 2, base + 7, base + 99), 50, false)))).containsExactly(base + 2, base + 7);
        // Another owner sees nothing of it.
        Jid other = freshUser();
        storage().users().create(account(other));
        assertThat(storage().archive().query(new ArchiveQuery(other, null, null, null, null, null, null, 50, false))
                .messages()).isEmpty();
        assertThat(storage().archive().bounds(u)).get().satisfies(b -> {
            assertThat(b[0]).isEqualTo(base + 1);
            assertThat(b[1]).isEqualTo(base + 10);
            assertThat(b[2]).isEqualTo(10);
        });
        assertThat(storage().archive().bounds(other)).isEmpty();
    }

    @Test
    void archiveFindsReplacesAndPurges() {
        Jid u = freshUser();
        storage().users().create(account(u));
        long base = 1_600_000_000_000L << 20;
        storage().archive().append(List.of(archived(u, base + 1, "bob@x.test", true, "origin-1"),
                archived(u, base + 2, "bob@x.test", false, "origin-2")));
        ArchivedMessage m = storage().archive().find(u, base + 1).orElseThrow();
        assertThat(m.with()).isEqualTo(Jid.of("bob@x.test"));
        assertThat(m.outgoing()).isTrue();
        assertThat(m.stanza()).contains("'quoted' & 😀");
        assertThat(storage().archive().findByOriginId(u, Jid.of("bob@x.test"), "origin-2")).get()
                .extracting(ArchivedMessage::id).isEqualTo(base + 2);
        assertThat(storage().archive().findByOriginId(u, Jid.of("carol@x.test"), "origin-2")).isEmpty();
        assertThat(storage().archive().replace(u, base + 1, "<message xmlns='jabber:client'/>")).isTrue();
        assertThat(storage().archive().find(u, base + 1).orElseThrow().stanza()).isEqualTo("<message xmlns='jabber:client'/>");
        assertThat(storage().archive().replace(u, base + 99, "<x/>")).isFalse();
        // Purging by time removes old messages of every archive, newer ones stay.
        long recent = Instant.now().toEpochMilli() << 20;
        storage().archive().append(List.of(archived(u, recent, "bob@x.test", false, null)));
        assertThat(storage().archive().purgeBefore(Instant.now().minusSeconds(3600))).isGreaterThanOrEqualTo(2);
        assertThat(storage().archive().find(u, base + 1)).isEmpty();
        assertThat(storage().archive().find(u, recent)).isPresent();
    }

    @Test
    void archivesAreDeletedWithTheAccount() {
        Jid u = freshUser();
        storage().users().create(account(u));
        long base = 1_700_000_000_000L << 20;
        storage().archive().append(List.of(archived(u, base, "bob@x.test", false, null)));
        storage().archivePreferences().put(u, new ArchivePreferences("roster", java.util.Set.of(Jid.of("a@b.test")), java.util.Set.of()));
        storage().blockLists().add(u, List.of(Jid.of("spam.test")), 10);
        storage().vcards().put(u, "<vCard xmlns='vcard-temp'/>");
        storage().users().delete(u);
        assertThat(storage().archive().bounds(u)).isEmpty();
        assertThat(storage().archivePreferences().get(u)).isEmpty();
        assertThat(storage().blockLists().load(u)).isEmpty();
        assertThat(storage().vcards().get(u)).isEmpty();
    }

    @Test
    void archivePreferencesRoundTrip() {
        Jid u = freshUser();
        storage().users().create(account(u));
        assertThat(storage().archivePreferences().get(u)).isEmpty();
        ArchivePreferences p = new ArchivePreferences("never", java.util.Set.of(Jid.of("a@b.test"), Jid.of("c@d.test")),
                java.util.Set.of(Jid.of("e@f.test")));
        storage().archivePreferences().put(u, p);
        assertThat(storage().archivePreferences().get(u)).contains(p);
        ArchivePreferences q = new ArchivePreferences("always", java.util.Set.of(), java.util.Set.of());
        storage().archivePreferences().put(u, q);
        assertThat(storage().archivePreferences().get(u)).contains(q);
    }

    // ---- block lists and vCards ----

    @Test
    void blockListsAddRemoveClearWithinAMaximum() {
        Jid u = freshUser();
        storage().users().create(account(u));
        assertThat(storage().blockLists().add(u, List.of(Jid.of("a@b.test"), Jid.of("spam.test"), Jid.of("c@d.test/r")), 5))
                .isTrue();
        assertThat(storage().blockLists().load(u)).containsExactlyInAnyOrder(Jid.of("a@b.test"), Jid.of("spam.test"),
                Jid.of("c@d.test/r"));
        assertThat(storage().blockLists().add(u, List.of(Jid.of("a@b.test")), 3)).isTrue();
        assertThat(storage().blockLists().add(u, List.of(Jid.of("x@y.test")), 3)).isFalse();
        assertThat(storage().blockLists().load(u)).hasSize(3);
        storage().blockLists().remove(u, List.of(Jid.of("spam.test")));
        assertThat(storage().blockLists().load(u)).hasSize(2);
        storage().blockLists().clear(u);
        assertThat(storage().blockLists().load(u)).isEmpty();
    }

    @Test
    void vcardsAreReplacedAndDeleted() {
        Jid u = freshUser();
        storage().users().create(account(u));
        assertThat(storage().vcards().get(u)).isEmpty();
        storage().vcards().put(u, "<vCard xmlns='vcard-temp'><FN>A</FN></vCard>");
        storage().vcards().put(u, "<vCard xmlns='vcard-temp'><FN>B</FN></vCard>");
        assertThat(storage().vcards().get(u)).contains("<vCard xmlns='vcard-temp'><FN>B</FN></vCard>");
        storage().vcards().delete(u);
        assertThat(storage().vcards().get(u)).isEmpty();
    }

    // ---- push registrations and FAST tokens ----

    @Test
    void pushRegistrationsAreReplacedPerNodeAndRemovedPerServiceOrNode() {
        Jid u = freshUser();
        storage().users().create(account(u));
        Jid app = Jid.of("push.example.test");
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        storage().push().put(new PushRegistration(u, app, "n1", "phone", null, t));
        storage().push().put(new PushRegistration(u, app, "n2", "tablet", "<x xmlns='jabber:x:data'/>", t.plusSeconds(1)));
        storage().push().put(new PushRegistration(u, app, "n1", "phone2", null, t.plusSeconds(2)));
        assertThat(storage().push().list(u)).extracting(PushRegistration::node, PushRegistration::resource)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("n1", "phone2"),
                        org.assertj.core.groups.Tuple.tuple("n2", "tablet"));
        assertThat(storage().push().remove(u, app, "n2")).isEqualTo(1);
        assertThat(storage().push().remove(u, Jid.of("other.test"), null)).isZero();
        assertThat(storage().push().remove(u, app, null)).isEqualTo(1);
        assertThat(storage().push().list(u)).isEmpty();
        Jid ghost = freshUser();
        storage().push().put(new PushRegistration(ghost, app, "n", null, null, t));
        assertThat(storage().push().list(ghost)).isEmpty();
    }

    @Test
    void fastTokensKeepTheCurrentAndThePreviousOfEachInstallation() {
        Jid u = freshUser();
        storage().users().create(account(u));
        Instant exp = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        FastToken a = new FastToken(u, "agent-1", "HT-SHA-256-NONE", "token-a", exp, -1);
        FastToken b = new FastToken(u, "agent-1", "HT-SHA-256-NONE", "token-b", exp, -1);
        FastToken c = new FastToken(u, "agent-1", "HT-SHA-256-NONE", "token-c", exp, -1);
        storage().fastTokens().rotate(a);
        storage().fastTokens().rotate(b);
        assertThat(storage().fastTokens().find(u, "agent-1")).extracting(FastToken::token).containsExactly("token-b", "token-a");
        storage().fastTokens().updateCount(b, 7);
        assertThat(storage().fastTokens().find(u, "agent-1").get(0).count()).isEqualTo(7);
        storage().fastTokens().rotate(c);
        assertThat(storage().fastTokens().find(u, "agent-1")).extracting(FastToken::token).containsExactly("token-c", "token-b");
        assertThat(storage().fastTokens().find(u, "agent-2")).isEmpty();
        storage().users().delete(u);
        assertThat(storage().fastTokens().find(u, "agent-1")).isEmpty();
        storage().users().create(account(u));
        storage().fastTokens().rotate(a);
        storage().fastTokens().remove(u, "agent-1");
        assertThat(storage().fastTokens().find(u, "agent-1")).isEmpty();
    }
}
