package io.switchboard.im;

import io.switchboard.jid.Jid;
import io.switchboard.routing.OfflineRouting;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.store.OfflineStore;
import io.switchboard.store.StorageException;
import io.switchboard.store.StoredMessage;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlNode;
import io.switchboard.xml.XmlWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline messages (XEP-0160): a message for an account with no available resource is written to
 * storage before the router considers it handled, and delivered in order, with a XEP-0203 delay
 * stamp, when the account next sends initial presence. Past the per-user quota, messages bounce.
 *
 * @implNote thread-safe; blocks on storage.
 */
public final class OfflineService implements OfflineRouting {

    private static final Logger LOG = LoggerFactory.getLogger(OfflineService.class);
    public static final String HINTS = "urn:xmpp:hints";
    private static final String CHATSTATES = "http://jabber.org/protocol/chatstates";
    private static final Set<String> NOISE = Set.of(CHATSTATES, HINTS);
    private static final int BATCH = 100;

    private final OfflineStore store;
    private final StanzaRouter router;
    private final String domain;
    private final int maxCount;
    private final long maxBytes;
    private final Clock clock;

    public OfflineService(OfflineStore store, StanzaRouter router, String domain, int maxCount, long maxBytes, Clock clock) {
        this.store = store;
        this.router = router;
        this.domain = domain;
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    /** Whether a message is worth keeping: not when it says not to, nor when it is only a chat state. */
    public static boolean worthStoring(Message m) {
        XmlElement e = m.element();
        if (e.hasChild(HINTS, "no-store") || e.hasChild(HINTS, "no-permanent-store")) {
            return false;
        }
        if (e.hasChild(HINTS, "store")) {
            return true;
        }
        for (XmlNode n : e.children()) {
            if (n instanceof XmlElement c) {
                if (c.is(Ns.CLIENT, "thread")) {
                    continue;
                }
                if (!NOISE.contains(c.ns())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void store(Message m) {
        if (!worthStoring(m)) {
            return;
        }
        Jid owner = m.to().bare();
        boolean stored;
        try {
            stored = store.store(owner, XmlWriter.toXml(m.element()), clock.instant(), maxCount, maxBytes);
        } catch (StorageException e) {
            LOG.error("Cannot store an offline message for {}: {}", owner, e.getMessage());
            router.bounce(m, StanzaError.internalServerError("the message could not be stored; it was not delivered"));
            return;
        }
        if (!stored) {
            LOG.info("Offline storage of {} is full; bouncing a message from {}", owner, m.from());
            router.bounce(m, StanzaError.serviceUnavailable("the recipient's offline storage is full"));
        }
    }

    /**
     * Delivers and removes every stored message of the session's account, oldest first. Call under
     * the account's {@link io.switchboard.routing.UserLocks} lock.
     *
     * @return the number delivered
     */
    public int flush(ClientSession session) {
        Jid owner = session.jid().bare();
        int total = 0;
        while (true) {
            List<StoredMessage> batch = store.fetch(owner, BATCH);
            if (batch.isEmpty()) {
                return total;
            }
            List<Long> done = new ArrayList<>(batch.size());
            for (StoredMessage sm : batch) {
                try {
                    XmlElement e = XmlFragments.parse(sm.stanza());
                    XmlElement delayed = e.withChild(delay(sm.received()));
                    if (!session.deliver(Stanza.trusted(delayed))) {
                        break;
                    }
                } catch (IllegalArgumentException ex) {
                    LOG.warn("Dropping an unreadable offline message {} of {}: {}", sm.id(), owner, ex.getMessage());
                }
                done.add(sm.id());
            }
            store.delete(owner, done);
            total += done.size();
            if (done.size() < batch.size()) {
                return total;
            }
        }
    }

    private XmlElement delay(Instant at) {
        return XmlElement.builder(Ns.DELAY, "delay").attr("from", domain)
                .attr("stamp", DateTimeFormatter.ISO_INSTANT.format(at.truncatedTo(ChronoUnit.MILLIS)))
                .text("Offline Storage").build();
    }
}
