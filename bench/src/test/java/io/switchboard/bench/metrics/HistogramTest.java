package io.switchboard.bench.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void bucketsCoverEveryValueAndStayWithinTheirPrecision() {
        for (long v : new long[]{0, 1, 63, 64, 65, 127, 128, 1000, 123_456, 9_999_999_999L, Long.MAX_VALUE / 2}) {
            int i = Histogram.index(v);
            assertThat(Histogram.highest(i)).isGreaterThanOrEqualTo(v);
            assertThat((double) Histogram.highest(i) - v).isLessThanOrEqualTo(Math.max(0, v / 64.0));
            if (i > 0) {
                assertThat(Histogram.highest(i - 1)).isLessThan(v);
            }
        }
    }

    @Test
    void percentilesMatchASortedArrayWithinOnePointSixPercent() {
        Random r = new Random(42);
        long[] values = new long[100_000];
        Histogram h = new Histogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.abs(r.nextGaussian() * 5000) + (r.nextInt(100) == 0 ? 200_000 : 0);
            h.record(values[i]);
        }
        Arrays.sort(values);
        for (double p : new double[]{50, 90, 99, 99.9}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            assertThat((double) h.percentile(p)).isCloseTo(exact, within(exact / 64.0 + 1));
        }
        assertThat(h.percentile(100)).isEqualTo(values[values.length - 1]);
        assertThat(h.max()).isEqualTo(values[values.length - 1]);
        assertThat(h.count()).isEqualTo(values.length);
    }

    @Test
    void mergesHistograms() {
        Histogram a = new Histogram();
        Histogram b = new Histogram();
        a.record(10);
        b.record(1000);
        a.add(b);
        assertThat(a.count()).isEqualTo(2);
        assertThat(a.min()).isEqualTo(10);
        assertThat(a.max()).isEqualTo(1000);
    }
}
