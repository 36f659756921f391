package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;

/**
 * One device's push registration (XEP-0357): where to publish notifications for it.
 *
 * @param owner    the account
 * @param service  the app server's JID
 * @param node     the node on the app server
 * @param resource the resource of the session that enabled it (which device), or null
 * @param options  the publish-options form as XML, or null
 * @param created  when it was enabled
 */
public record PushRegistration(Jid owner, Jid service, String node, String resource, String options, Instant created) {
}
