package io.switchboard.ext.extdisco;

import io.switchboard.config.ConfigException;
import io.switchboard.config.Setting;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * External service discovery (XEP-0215): STUN and TURN servers for audio and video calls, from
 * configuration. With a TURN shared secret, clients get short-lived credentials in the form TURN
 * servers such as coturn check ({@code use-auth-secret}): the user name is the expiry time and the
 * password an HMAC-SHA1 of it.
 */
public final class ExternalServicesModule implements ServerModule {

    public static final String NS = "urn:xmpp:extdisco:2";

    public static final Setting<List<String>> SERVICES = Setting.list("external-services",
            "STUN/TURN servers offered to clients (XEP-0215), comma-separated as type:host:port[:transport],"
                    + " e.g. stun:turn.example.org:3478,turn:turn.example.org:3478:udp,turns:turn.example.org:5349:tcp");
    public static final Setting<String> TURN_SECRET = Setting.secret("external-services.turn-secret", "",
            "Shared secret of the TURN server (coturn static-auth-secret); empty: no credentials are handed out.");
    public static final Setting<Duration> TURN_TTL = Setting.duration("external-services.credential-lifetime",
            Duration.ofHours(24), "How long handed-out TURN credentials stay valid.");

    /** One configured service. */
    record Service(String type, String host, int port, String transport) {
    }

    private final List<Service> services = new ArrayList<>();
    private String secret;
    private Duration ttl;
    private ModuleContext ctx;

    @Override
    public String name() {
        return "external-services";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(SERVICES, TURN_SECRET, TURN_TTL);
    }

    @Override
    public void register(HandlerRegistry.Builder b, ModuleContext c) {
        this.ctx = c;
        for (String s : c.config().get(SERVICES)) {
            services.add(parse(s));
        }
        this.secret = c.config().get(TURN_SECRET);
        this.ttl = c.config().get(TURN_TTL);
        if (services.isEmpty()) {
            return;
        }
        b.server(IqKey.get(NS, "services"), this::list);
        b.server(IqKey.get(NS, "credentials"), this::credentials);
        b.serverFeature(NS);
    }

    static Service parse(String s) {
        String[] p = s.trim().split(":");
        if (p.length < 3 || p.length > 4) {
            throw new ConfigException("external-services: expected type:host:port[:transport], got '" + s + "'");
        }
        String type = p[0].toLowerCase(Locale.ROOT);
        if (!List.of("stun", "stuns", "turn", "turns").contains(type)) {
            throw new ConfigException("external-services: type must be stun, stuns, turn or turns in '" + s + "'");
        }
        int port;
        try {
            port = Integer.parseInt(p[2]);
        } catch (NumberFormatException e) {
            throw new ConfigException("external-services: invalid port in '" + s + "'");
        }
        String transport = p.length == 4 ? p[3].toLowerCase(Locale.ROOT) : null;
        if (transport != null && !transport.equals("udp") && !transport.equals("tcp")) {
            throw new ConfigException("external-services: transport must be udp or tcp in '" + s + "'");
        }
        return new Service(type, p[1], port, transport);
    }

    private Iq list(IqRequest req) throws StanzaException {
        if (req.from() == null || !req.from().hasLocal() || !req.from().domain().equals(ctx.domain())) {
            throw new StanzaException(StanzaError.forbidden("for this server's users only"));
        }
        String only = req.iq().payload().attr("type");
        XmlElement.Builder out = XmlElement.builder(NS, "services");
        if (only != null) {
            out.attr("type", only);
        }
        for (Service s : services) {
            if (only == null || only.equals(s.type())) {
                out.child(element(s, req.from().bare().toString()));
            }
        }
        return req.iq().result(out.build());
    }

    private Iq credentials(IqRequest req) throws StanzaException {
        if (req.from() == null || !req.from().hasLocal() || !req.from().domain().equals(ctx.domain())) {
            throw new StanzaException(StanzaError.forbidden("for this server's users only"));
        }
        XmlElement asked = req.iq().payload().child(NS, "service");
        if (asked == null) {
            throw new StanzaException(StanzaError.badRequest("which service?"));
        }
        for (Service s : services) {
            if (s.host().equals(asked.attr("host")) && s.type().equals(asked.attr("type"))) {
                return req.iq().result(XmlElement.builder(NS, "credentials").child(element(s, req.from().bare().toString()))
                        .build());
            }
        }
        throw new StanzaException(StanzaError.itemNotFound("no such service"));
    }

    private XmlElement element(Service s, String user) {
        XmlElement.Builder b = XmlElement.builder(NS, "service").attr("type", s.type()).attr("host", s.host())
                .attr("port", Integer.toString(s.port())).attr("transport", s.transport());
        if (s.type().startsWith("turn") && !secret.isEmpty()) {
            Instant expires = ctx.clock().instant().plus(ttl).truncatedTo(ChronoUnit.SECONDS);
            String username = expires.getEpochSecond() + ":" + user;
            b.attr("username", username).attr("password", hmac(username)).attr("restricted", "1")
                    .attr("expires", DateTimeFormatter.ISO_INSTANT.format(expires));
        }
        return b.build();
    }

    private String hmac(String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
