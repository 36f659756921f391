package io.switchboard.ext;

import io.switchboard.handler.ServerInfo;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.jid.Jid;
import io.switchboard.session.LocalSessions;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.LastActivity;
import io.switchboard.store.LastActivityStore;
import io.switchboard.store.RosterItem;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The small server features: ping (XEP-0199), software version (XEP-0092), entity time
 * (XEP-0202), last activity (XEP-0012: server uptime and contacts' last logout), and the legacy
 * session establishment of RFC 3921.
 */
public final class SimpleHandlers {

    private SimpleHandlers() {
    }

    /**
     * @param rosterItem looks up the account's roster item for a contact (to authorize last activity)
     */
    public static void register(HandlerRegistry.Builder b, Supplier<ServerInfo> info, boolean showOs, Clock clock,
                                LastActivityStore lastStore, LocalSessions sessions,
                                BiFunction<Jid, Jid, RosterItem> rosterItem) {
        // XEP-0199: the server answers pings to itself and, on their behalf, to accounts.
        b.both(IqKey.get(Ns.PING, "ping"), req -> req.iq().result());
        b.serverFeature(Ns.PING);

        b.server(IqKey.get(Ns.VERSION, "query"), req -> {
            ServerInfo si = info.get();
            XmlElement.Builder q = XmlElement.builder(Ns.VERSION, "query")
                    .textChild("name", ServerInfo.NAME).textChild("version", si.version());
            if (showOs) {
                q.textChild("os", System.getProperty("os.name") + " " + System.getProperty("os.version")
                        + ", Java " + System.getProperty("java.version"));
            }
            return req.iq().result(q.build());
        });
        b.serverFeature(Ns.VERSION);

        b.server(IqKey.get(Ns.TIME, "time"), req -> {
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            return req.iq().result(XmlElement.builder(Ns.TIME, "time").textChild("tzo", "+00:00")
                    .textChild("utc", DateTimeFormatter.ISO_INSTANT.format(now.atOffset(ZoneOffset.UTC))).build());
        });
        b.serverFeature(Ns.TIME);

        b.server(IqKey.get(Ns.LAST, "query"), req -> {
            long up = Duration.between(info.get().started(), clock.instant()).toSeconds();
            return req.iq().result(XmlElement.builder(Ns.LAST, "query").attr("seconds", Long.toString(Math.max(0, up))).build());
        });
        b.account(IqKey.get(Ns.LAST, "query"), req -> {
            Jid user = req.target();
            Jid asker = req.from();
            if (!req.fromOwner()) {
                RosterItem i = rosterItem.apply(user, asker.bare());
                if (i == null || !i.subscription().hasFrom()) {
                    // XEP-0012 §5: only those allowed to see the user's presence.
                    throw new StanzaException(StanzaError.forbidden(null));
                }
            }
            if (sessions.of(user).stream().anyMatch(s -> s.isAvailable())) {
                return req.iq().result(XmlElement.builder(Ns.LAST, "query").attr("seconds", "0").build());
            }
            Optional<LastActivity> la = lastStore.get(user);
            if (la.isEmpty()) {
                throw new StanzaException(StanzaError.itemNotFound("no last activity recorded"));
            }
            long secs = Math.max(0, Duration.between(la.get().at(), clock.instant()).toSeconds());
            XmlElement.Builder q = XmlElement.builder(Ns.LAST, "query").attr("seconds", Long.toString(secs));
            q.text(la.get().status());
            return req.iq().result(q.build());
        });
        b.serverFeature(Ns.LAST);

        // RFC 3921 session establishment: a no-op kept for old clients (RFC 6121 does not need it).
        b.both(IqKey.set(Ns.SESSION, "session"), req -> req.iq().result());
    }
}
