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
}
