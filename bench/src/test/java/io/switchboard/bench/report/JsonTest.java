package io.switchboard.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesAndReadsBackAResultLine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", "latency");
        m.put("server", "pro\"sody");
        m.put("rate", 1234.5678901);
        m.put("count", 42L);
        m.put("ok", true);
        m.put("none", null);
        m.put("dist", List.of(List.of(50.0, 0.25), List.of(99.9, 12.0)));
        String json = Json.write(m);
        assertThat(json).contains("\"rate\":1234.57").contains("\"count\":42").contains("\"server\":\"pro\\\"sody\"");
        Map<String, Object> back = Json.parseObject(json);
        assertThat(back.get("server")).isEqualTo("pro\"sody");
        assertThat(back.get("ok")).isEqualTo(true);
        assertThat(back.get("none")).isNull();
        assertThat(back.get("dist")).isEqualTo(List.of(List.of(50.0, 0.25), List.of(99.9, 12.0)));
        assertThat(back.keySet()).containsExactly("scenario", "server", "rate", "count", "ok", "none", "dist");
    }

    @Test
    void markdownTableHasOneColumnPerResult() {
        String t = Metrics.table("throughput", List.of(Map.of("server", "a", "delivered_per_s", 1000.4),
                Map.of("server", "b", "delivered_per_s", 2000.0)));
        assertThat(t).startsWith("| throughput | a | b |").contains("| delivered messages per second | 1,000 | 2,000 |");
    }
}
