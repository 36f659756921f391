package io.switchboard.testing;

import java.net.InetAddress;
import java.time.Duration;
import org.jivesoftware.smack.ConnectionConfiguration;
import org.jivesoftware.smack.SmackConfiguration;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;

/** Real Smack clients connected to a {@link TestServer}. */
public final class Clients {

    static {
        SmackConfiguration.setDefaultReplyTimeout((int) Duration.ofSeconds(10).toMillis());
    }

    private Clients() {
    }

    public static XMPPTCPConnectionConfiguration.Builder config(TestServer server, String user, String password) {
        try {
            return XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain(TestServer.DOMAIN)
                    .setHostAddress(InetAddress.getLoopbackAddress())
                    .setPort(server.c2sPort())
                    .setUsernameAndPassword(user, password)
                    .setSecurityMode(ConnectionConfiguration.SecurityMode.required)
                    .setCustomX509TrustManager(server.trustManager())
                    .setSendPresence(true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connects and logs in over STARTTLS with the given resource. */
    public static XMPPTCPConnection login(TestServer server, String user, String password, String resource) throws Exception {
        XMPPTCPConnection c = new XMPPTCPConnection(config(server, user, password).setResource(resource).build());
        c.connect().login();
        return c;
    }
}
