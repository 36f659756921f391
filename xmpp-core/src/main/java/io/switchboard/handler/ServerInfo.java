package io.switchboard.handler;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Facts about this server that several features report: name and version, start time, and the
 * entity capabilities hash (XEP-0115) of its disco#info.
 */
public final class ServerInfo {

    public static final String NAME = "Switchboard";
    public static final String CAPS_NODE = "https://switchboard.chat/caps";

    private final String version;
    private final Instant started;
    private final HandlerRegistry registry;
    private final String capsVer;

    public ServerInfo(HandlerRegistry registry, Instant started) {
        this.registry = registry;
        this.started = started;
        String v = ServerInfo.class.getPackage().getImplementationVersion();
        this.version = v == null ? "development" : v;
        this.capsVer = capsVer(registry.serverIdentities(), registry.serverFeatures());
    }

    public String version() {
        return version;
    }

    public Instant started() {
        return started;
    }

    public String capsVer() {
        return capsVer;
    }

    public HandlerRegistry registry() {
        return registry;
    }

    /** The {@code <c/>} element for stream features. */
    public XmlElement capsElement() {
        return XmlElement.builder(Ns.CAPS, "c").attr("hash", "sha-1").attr("node", CAPS_NODE).attr("ver", capsVer).build();
    }

    /** XEP-0115 §5.1 verification string hash for identities and features (no extended forms). */
    public static String capsVer(List<Identity> identities, List<String> features) {
        StringBuilder s = new StringBuilder();
        List<Identity> ids = new ArrayList<>(identities);
        ids.sort(Comparator.comparing(Identity::category).thenComparing(Identity::type).thenComparing(i -> ""));
        for (Identity i : ids) {
            s.append(i.category()).append('/').append(i.type()).append('/').append('/')
                    .append(i.name() == null ? "" : i.name()).append('<');
        }
        List<String> fs = new ArrayList<>(features);
        fs.sort(null);
        for (String f : fs) {
            s.append(f).append('<');
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
