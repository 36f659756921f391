package io.switchboard.component;

import io.switchboard.config.Setting;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.routing.Component;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.transport.Listener;
import io.switchboard.transport.ListenerSpec;
import io.switchboard.xml.XmlLimits;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * External components (XEP-0114): services such as a push app server or a gateway connect to a
 * port of their own, authenticate with a per-component secret, and then receive every stanza for
 * their domain and send stanzas from it. Components are listed in configuration; one connection
 * per component at a time.
 */
public final class ComponentModule implements ServerModule {

    private static final Logger LOG = LoggerFactory.getLogger(ComponentModule.class);

    public static final Setting<List<String>> COMPONENTS = Setting.list("components",
            "External components (XEP-0114) as domain=secret pairs, comma-separated, e.g."
                    + " push.example.org=s3cret. Empty: no component port is opened.");
    public static final Setting<Integer> PORT = Setting.port("component.port", 5347,
            "Port external components connect to.");
    public static final Setting<String> BIND = Setting.string("component.bind-address", "127.0.0.1",
            "Address the component port binds to (loopback by default: the handshake is not encrypted).");

    private final Map<String, String> secrets = new LinkedHashMap<>();
    private final Map<String, ComponentStream> connected = new ConcurrentHashMap<>();
    private Listener listener;
    private ModuleContext ctx;

    @Override
    public String name() {
        return "components";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(COMPONENTS, PORT, BIND);
    }

    @Override
    public void start(ModuleContext c) throws Exception {
        this.ctx = c;
        for (String entry : c.config().get(COMPONENTS)) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new io.switchboard.config.ConfigException("components: expected domain=secret, got '" + entry + "'");
            }
            String domain;
            try {
                domain = Jid.enforceDomain(entry.substring(0, eq).trim());
            } catch (MalformedJidException e) {
                throw new io.switchboard.config.ConfigException("components: invalid domain in '" + entry + "'");
            }
            secrets.put(domain, entry.substring(eq + 1).trim());
            c.router().addComponent(new Proxy(domain));
        }
        if (secrets.isEmpty()) {
            return;
        }
        listener = c.transport().listen(new ListenerSpec("components", c.config().get(BIND), c.config().get(PORT), false,
                XmlLimits.c2sDefaults().withMaxStanzaBytes(512 * 1024), 0, 100, 16 * 1024 * 1024,
                conn -> new ComponentStream(conn, this)));
        LOG.info("Accepting components {} on port {}", secrets.keySet(), listener.port());
    }

    /** The bound port (for tests that ask for port 0). */
    public int port() {
        return listener == null ? -1 : listener.port();
    }

    @Override
    public void stop() {
        if (listener != null) {
            listener.close();
        }
        for (ComponentStream s : connected.values()) {
            s.shutdown();
        }
    }

    ModuleContext context() {
        return ctx;
    }

    /** The secret of a configured component domain, or null. */
    byte[] secret(String domain) {
        String s = secrets.get(domain);
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return false when another connection already serves the domain */
    boolean attach(String domain, ComponentStream s) {
        return connected.putIfAbsent(domain, s) == null;
    }

    void detach(String domain, ComponentStream s) {
        connected.remove(domain, s);
    }

    /** What the router sees: stanzas for the domain go to its connection, or bounce while none is there. */
    private final class Proxy implements Component {
        private final String domain;

        Proxy(String domain) {
            this.domain = domain;
        }

        @Override
        public String domain() {
            return domain;
        }

        @Override
        public void receive(Stanza stanza) {
            ComponentStream s = connected.get(domain);
            if (s == null || !s.deliver(stanza)) {
                ctx.router().bounce(stanza, StanzaError.serviceUnavailable("the service " + domain + " is not connected"));
            }
        }
    }
}
