package io.switchboard.handler;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Facts about this server that several features report: name and version, start time, its
 * disco#info and the entity capabilities hash (XEP-0115) of it.
 */
public final class ServerInfo {

    public static final String NAME = "Switchboard";
    public static final String CAPS_NODE = "https://switchboard.chat/caps";

    private final String version;
    private final Instant started;
    private final HandlerRegistry registry;
    private final List<XmlElement> discoInfo;
    private final String capsVer;

    public ServerInfo(HandlerRegistry registry, Instant started) {
        this.registry = registry;
        this.started = started;
        String v = ServerInfo.class.getPackage().getImplementationVersion();
        this.version = v == null ? "development" : v;
        this.discoInfo = discoInfo(registry.serverIdentities(), registry.serverFeatures());
        this.capsVer = capsVer(discoInfo);
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

    /** The children of the server's disco#info answer: its identities, then its features. */
    public List<XmlElement> discoInfo() {
        return discoInfo;
    }

    /** The {@code <c/>} element for stream features. */
    public XmlElement capsElement() {
        return XmlElement.builder(Ns.CAPS, "c").attr("hash", "sha-1").attr("node", CAPS_NODE).attr("ver", capsVer).build();
    }

    /** The children of a disco#info answer, each identity once (a repeated one would make the hash ill-formed). */
    private static List<XmlElement> discoInfo(List<Identity> identities, List<String> features) {
        List<XmlElement> out = new ArrayList<>();
        for (Identity i : new LinkedHashSet<>(identities)) {
            out.add(identity(i));
        }
        for (String f : new LinkedHashSet<>(features)) {
            out.add(XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", f).build());
        }
        return List.copyOf(out);
    }

    /** A disco#info {@code <identity/>}. */
    static XmlElement identity(Identity i) {
        return XmlElement.builder(Ns.DISCO_INFO, "identity").attr("category", i.category()).attr("type", i.type())
                .attr("name", i.name()).build();
    }

    /** The SHA-1 {@code ver} (XEP-0115 §5.1) of a disco#info answer's children. */
    private static String capsVer(List<XmlElement> discoInfo) {
        String s = CapsHash.verificationString(XmlElement.builder(Ns.DISCO_INFO, "query").children(discoInfo).build());
        if (s == null) {
            throw new IllegalArgumentException("a disco#info answer with repeated entries has no caps hash");
        }
        return CapsHash.hash("sha-1", s);
    }
}
