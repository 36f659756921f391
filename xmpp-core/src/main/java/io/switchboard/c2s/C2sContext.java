package io.switchboard.c2s;

import io.switchboard.account.AccountService;
import io.switchboard.auth.AuthThrottle;
import io.switchboard.auth.CredentialSource;
import io.switchboard.config.CoreSettings.ResourceConflict;
import io.switchboard.handler.ServerInfo;
import io.switchboard.im.PresenceService;
import io.switchboard.routing.IqTracker;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.session.LocalSessions;
import io.switchboard.xml.XmlLimits;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * Everything a client stream needs from the server, shared by all client streams.
 *
 * @param tlsAvailable        whether STARTTLS can be offered
 * @param requireTls          no authentication before TLS
 * @param registration        in-band registration, or null when closed
 * @param preAuthLimits       parser limits before authentication
 * @param limits              parser limits after authentication
 */
public record C2sContext(
        String domain,
        boolean tlsAvailable,
        boolean requireTls,
        Registration registration,
        XmlLimits preAuthLimits,
        XmlLimits limits,
        Duration preAuthTimeout,
        Duration pingInterval,
        Duration pingTimeout,
        int maxSessionsPerUser,
        ResourceConflict resourceConflict,
        int maxAuthFailures,
        StanzaRouter router,
        LocalSessions sessions,
        PresenceService presence,
        CredentialSource credentials,
        AuthThrottle throttle,
        IqTracker tracker,
        ScheduledExecutorService scheduler,
        Supplier<ServerInfo> serverInfo,
        AccountService accounts,
        C2sStreams streams,
        StreamManagement smRegistry,
        Duration resumeTimeout,
        int maxUnacked,
        io.switchboard.store.FastTokenStore fastTokens,
        Duration fastTokenLifetime,
        java.time.Clock clock) {
}
