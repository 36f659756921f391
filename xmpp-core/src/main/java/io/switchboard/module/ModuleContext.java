package io.switchboard.module;

import io.switchboard.account.AccountService;
import io.switchboard.cluster.ClusterMembership;
import io.switchboard.cluster.KeyOwnership;
import io.switchboard.cluster.NodeMessenger;
import io.switchboard.config.Config;
import io.switchboard.handler.DiscoHandler;
import io.switchboard.handler.ServerInfo;
import io.switchboard.im.PresenceService;
import io.switchboard.im.RosterService;
import io.switchboard.routing.IqTracker;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.session.LocalSessions;
import io.switchboard.store.Storage;
import io.switchboard.tls.TlsContexts;
import io.switchboard.transport.Transport;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the server offers its modules. Everything is available in {@link ServerModule#start}; in
 * {@link ServerModule#register} only the configuration, domain, storage, sessions, scheduler,
 * clock, tracker, disco and server secret are (the router and the IM services do not exist yet and
 * throw).
 */
public interface ModuleContext {

    Config config();

    String domain();

    Storage storage();

    LocalSessions sessions();

    StanzaRouter router();

    RosterService rosters();

    PresenceService presence();

    IqTracker tracker();

    ScheduledExecutorService scheduler();

    Clock clock();

    DiscoHandler disco();

    ServerInfo serverInfo();

    AccountService accounts();

    TlsContexts tls();

    /** The network, for modules that listen on their own port (components, federation). */
    Transport transport();

    /** The cluster's members and this node (a single node: only itself). */
    ClusterMembership cluster();

    /** Which node owns a key, for state that lives on one node (a group chat room). */
    KeyOwnership keyOwnership();

    /** Stanzas to other nodes of the cluster (a single node has none to reach). */
    NodeMessenger nodeMessenger();

    /**
     * The server's secret (at least 32 random bytes, kept in {@code server.secret} under the data
     * directory so that it outlives restarts; a new one at each start when storage is in memory), to
     * key values derived from it (HMACs) that must stay the same across restarts and must not be
     * guessable, e.g. XEP-0421 occupant ids. Never sent anywhere. A copy: callers may keep it.
     */
    byte[] serverSecret();
}
