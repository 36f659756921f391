package io.switchboard.http;

import java.net.URI;
import org.eclipse.jetty.server.Handler;

/**
 * Where modules mount their HTTP endpoints on the server's one HTTP listener: file upload today,
 * WebSocket (RFC 7395), BOSH and the admin API later. A request goes to the handler of the
 * longest mounted prefix that its decoded path starts with; no match is a 404.
 */
public interface HttpRoutes {

    /**
     * Mounts {@code handler} under {@code prefix}, which starts and ends with {@code /} (for
     * instance {@code /upload/}). Handlers may be mounted before or after the server started.
     *
     * @throws IllegalStateException when the prefix is taken
     */
    void mount(String prefix, Handler handler);

    /** Removes what is mounted at {@code prefix}, if anything. */
    void unmount(String prefix);

    /**
     * The base URL clients reach this server at, without a trailing slash: {@code http.public-url}
     * when set (behind a reverse proxy), otherwise the scheme, the XMPP domain and the bound port.
     */
    URI publicUrl();
}
