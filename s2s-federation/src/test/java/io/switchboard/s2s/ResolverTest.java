package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResolverTest {

    @Test
    void staticRoutesParse() {
        var r = Resolver.parseStaticRoutes(List.of("a.test=127.0.0.1:5270", "B.test=[::1]:15269"));
        assertThat(r.get("a.test")).isEqualTo(new Resolver.Target("127.0.0.1", 5270, false));
        assertThat(r.get("b.test")).isEqualTo(new Resolver.Target("::1", 15269, false));
        assertThatThrownBy(() -> Resolver.parseStaticRoutes(List.of("a.test=host"))).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> Resolver.parseStaticRoutes(List.of("a.test=host:0"))).isInstanceOf(ConfigException.class);
    }

    @Test
    void srvRecordsOfBothServicesAreMerged() throws Exception {
        try (TestDns dns = new TestDns()) {
            dns.srv("xmpp-server", "srv.test", "low.srv.test", 5269);
            dns.srv("xmpps-server", "srv.test", "tls.srv.test", 5270);
            Resolver r = new Resolver(Map.of(), Resolver.dnsServer("127.0.0.1:" + dns.port(), Duration.ofSeconds(2)));
            List<Resolver.Target> t = r.resolve("srv.test");
            assertThat(t).containsExactlyInAnyOrder(new Resolver.Target("low.srv.test", 5269, false),
                    new Resolver.Target("tls.srv.test", 5270, true));
            // No records at all: the domain itself on 5269.
            assertThat(r.resolve("plain.test")).containsExactly(new Resolver.Target("plain.test", 5269, false));
        }
    }
}
