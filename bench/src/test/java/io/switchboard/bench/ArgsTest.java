package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ArgsTest {

    @Test
    void readsOptionsAndRefusesUnknownOnes() {
        Args a = Args.of("--pairs", "50", "--hold", "1500ms", "--server-jvm", "--typo", "1");
        assertThat(a.integer("pairs", 1, 1, 100)).isEqualTo(50);
        assertThat(a.duration("hold", Duration.ZERO, Duration.ofMinutes(1))).isEqualTo(Duration.ofMillis(1500));
        assertThat(a.flag("server-jvm", false)).isTrue();
        assertThatThrownBy(a::checkAllUsed).hasMessageContaining("--typo");
    }

    @Test
    void onlyLoopbackTargetsAndSourceAddresses() {
        assertThat(Target.from(Args.of("--host", "127.0.0.2", "--port", "15222")).address().getPort()).isEqualTo(15222);
        assertThat(Target.from(Args.of("--host", "::1")).address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(Target.from(Args.of("--source-addresses", "3")).sourceAddresses()).hasSize(3);
        assertThatThrownBy(() -> Target.from(Args.of("--host", "10.1.2.3"))).hasMessageContaining("not a loopback");
        assertThatThrownBy(() -> Target.from(Args.of("--source-addresses", "127.0.0.1,192.168.1.1")))
                .hasMessageContaining("not a loopback");
    }

    @Test
    void boundsEveryRun() {
        assertThatThrownBy(() -> new io.switchboard.bench.scenario.ConnectionsScenario(Args.of("--sessions", "1000000")))
                .hasMessageContaining("--sessions");
        assertThatThrownBy(() -> new io.switchboard.bench.scenario.ThroughputScenario(Args.of("--duration", "5h")))
                .hasMessageContaining("--duration");
    }
}
