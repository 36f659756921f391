package io.switchboard.s2s;

import io.switchboard.config.ConfigException;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import java.net.IDN;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Where a remote domain's server is (RFC 6120 §3.2, XEP-0368): a static route if one is
 * configured, else the SRV records {@code _xmpps-server._tcp} (direct TLS) and
 * {@code _xmpp-server._tcp} (STARTTLS) merged and ordered by priority, then weight (RFC 2782), else
 * the domain itself on port 5269. A single SRV record with target "." means the domain offers no
 * service. Blocking: call it off the stanza workers.
 *
 * @implNote thread-safe.
 */
final class Resolver {

    private static final Logger LOG = LoggerFactory.getLogger(Resolver.class);
    static final int DEFAULT_PORT = 5269;

    /** One place to try. */
    record Target(String host, int port, boolean directTls) {
        @Override
        public String toString() {
            return host + ":" + port + (directTls ? " (direct TLS)" : "");
        }
    }

    private final Map<String, Target> staticRoutes;
    private final SimpleResolver dns;

    Resolver(Map<String, Target> staticRoutes, SimpleResolver dns) {
        this.staticRoutes = Map.copyOf(staticRoutes);
        this.dns = dns;
    }

    /** Parses {@code domain=host:port} entries. */
    static Map<String, Target> parseStaticRoutes(List<String> entries) {
        Map<String, Target> out = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            int colon = e.lastIndexOf(':');
            if (eq <= 0 || colon <= eq + 1 || colon == e.length() - 1) {
                throw new ConfigException("s2s.static-routes: expected domain=host:port, got '" + e + "'");
            }
            String domain;
            try {
                domain = Jid.enforceDomain(e.substring(0, eq).trim());
            } catch (MalformedJidException ex) {
                throw new ConfigException("s2s.static-routes: invalid domain in '" + e + "'");
            }
            int port;
            try {
                port = Integer.parseInt(e.substring(colon + 1).trim());
            } catch (NumberFormatException ex) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new ConfigException("s2s.static-routes: invalid port in '" + e + "'");
            }
            String host = e.substring(eq + 1, colon).trim();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            out.put(domain, new Target(host, port, false));
        }
        return out;
    }

    /** A resolver for {@code host:port} (empty: the system's configured name servers). */
    static SimpleResolver dnsServer(String hostPort, Duration timeout) {
        try {
            SimpleResolver r;
            if (hostPort == null || hostPort.isBlank()) {
                r = new SimpleResolver();
            } else {
                int colon = hostPort.lastIndexOf(':');
                if (colon > 0) {
                    r = new SimpleResolver(new InetSocketAddress(hostPort.substring(0, colon),
                            Integer.parseInt(hostPort.substring(colon + 1))));
                } else {
                    r = new SimpleResolver(hostPort);
                }
            }
            r.setTimeout(timeout);
            return r;
        } catch (java.net.UnknownHostException | NumberFormatException e) {
            throw new ConfigException("s2s.dns-server: cannot use '" + hostPort + "': " + e.getMessage());
        }
    }

    /** Places to try in order; empty when the domain certainly has no XMPP server. */
    List<Target> resolve(String domain) {
        Target st = staticRoutes.get(domain);
        if (st != null) {
            return List.of(st);
        }
        String ascii;
        try {
            ascii = IDN.toASCII(domain);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        List<SRVRecord> records = new ArrayList<>();
        boolean starttlsNone = lookup("_xmpp-server._tcp." + ascii + ".", records);
        boolean directNone = lookup("_xmpps-server._tcp." + ascii + ".", records);
        if (records.isEmpty()) {
            if (starttlsNone && directNone) {
                LOG.info("{} declares no XMPP service (SRV target '.')", domain);
                return List.of();
            }
            return List.of(new Target(ascii, DEFAULT_PORT, false));
        }
        return order(records);
    }

    /** @return true when the only record is the "no service" record */
    private boolean lookup(String name, List<SRVRecord> into) {
        try {
            Lookup l = new Lookup(Name.fromString(name), Type.SRV);
            l.setResolver(dns);
            l.setCache(null);
            Record[] rs = l.run();
            if (rs == null) {
                LOG.debug("No SRV for {}: {}", name, l.getErrorString());
                return false;
            }
            List<SRVRecord> found = new ArrayList<>();
            for (Record r : rs) {
                if (r instanceof SRVRecord srv) {
                    found.add(srv);
                }
            }
            if (found.size() == 1 && found.get(0).getTarget().equals(Name.root)) {
                return true;
            }
            into.addAll(found);
            return false;
        } catch (TextParseException e) {
            return false;
        }
    }

    /** RFC 2782 order over both record sets merged (XEP-0368): ascending priority, weighted random within one. */
    static List<Target> order(List<SRVRecord> records) {
        Map<Integer, List<SRVRecord>> byPriority = new java.util.TreeMap<>();
        for (SRVRecord r : records) {
            if (!r.getTarget().equals(Name.root)) {
                byPriority.computeIfAbsent(r.getPriority(), k -> new ArrayList<>()).add(r);
            }
        }
        List<Target> out = new ArrayList<>();
        for (List<SRVRecord> group : byPriority.values()) {
            List<SRVRecord> left = new ArrayList<>(group);
            left.sort(Comparator.comparingInt(SRVRecord::getWeight));
            while (!left.isEmpty()) {
                int total = 0;
                for (SRVRecord r : left) {
                    total += r.getWeight();
                }
                int pick = total == 0 ? 0 : ThreadLocalRandom.current().nextInt(total + 1);
                int acc = 0;
                SRVRecord chosen = left.get(0);
                for (SRVRecord r : left) {
                    acc += r.getWeight();
                    if (acc >= pick) {
                        chosen = r;
                        break;
                    }
                }
                left.remove(chosen);
                String host = chosen.getTarget().toString(true);
                boolean direct = chosen.getName().toString().toLowerCase(java.util.Locale.ROOT).startsWith("_xmpps-server.");
                Target t = new Target(host, chosen.getPort(), direct);
                if (!out.contains(t)) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
