package io.switchboard.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * The side-by-side picture: latency distributions (percentile on a "nines" axis, latency on a
 * log axis), delivered messages per second, logins per server CPU-second, and RSS per session,
 * one colour per server. Plain Java2D, no plotting library.
 */
public final class Plot {

    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final int W = 1600;
    private static final int H = 1100;

    private final List<Map<String, Object>> results;
    private final String title;
    private final Map<String, Color> colors = new LinkedHashMap<>();

    public Plot(List<Map<String, Object>> results, String title) {
        this.results = results;
        this.title = title;
        for (Map<String, Object> r : results) {
            String s = String.valueOf(r.get("server"));
            colors.computeIfAbsent(s, k -> COLORS[colors.size() % COLORS.length]);
        }
    }

    public void write(Path png) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(title, 30, 34);
        legend(g, 30, 62);
        latency(g, 30, 90, 760, 480);
        bars(g, 810, 90, 760, 480, "throughput", "delivered_per_s", "1:1 delivered messages per second (higher is better)", 0);
        bars(g, 30, 600, 760, 480, "connections", "logins_per_server_cpu_s",
                "Logins (TLS + SCRAM + bind) per server CPU-second (higher is better)", 0);
        bars(g, 810, 600, 760, 480, "connections", "rss_per_session_kib",
                "Server RSS per idle authenticated TLS session, KiB (lower is better)", 1);
        g.dispose();
        java.nio.file.Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }

    private void legend(Graphics2D g, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        for (Map.Entry<String, Color> e : colors.entrySet()) {
            g.setColor(e.getValue());
            g.fillRect(x, y - 12, 24, 12);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), x + 30, y);
            x += 40 + g.getFontMetrics().stringWidth(e.getKey()) + 20;
        }
    }

    private static double nines(double p) {
        if (p >= 100) {
            return 4.6;
        }
        return Math.min(4.3, Math.log10(100.0 / (100.0 - p)));
    }

    @SuppressWarnings("unchecked")
    private void latency(Graphics2D g, int x, int y, int w, int h) {
        frame(g, x, y, w, h, "Delivery latency at 50% of each server's peak: percentile distribution (ms, log scale)");
        List<Map<String, Object>> lat = new ArrayList<>();
        for (Map<String, Object> r : results) {
            if ("latency".equals(r.get("scenario")) && r.get("distribution_ms") instanceof List<?>) {
                lat.add(r);
            }
        }
        int px = x + 70;
        int py = y + 40;
        int pw = w - 100;
        int ph = h - 100;
        if (lat.isEmpty()) {
            g.drawString("no latency results", px + 20, py + 40);
            return;
        }
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Map<String, Object> r : lat) {
            for (Object o : (List<Object>) r.get("distribution_ms")) {
                double v = ((Number) ((List<Object>) o).get(1)).doubleValue();
                lo = Math.min(lo, Math.max(v, 0.01));
                hi = Math.max(hi, v);
            }
        }
        double dlo = Math.floor(Math.log10(lo));
        double dhi = Math.max(dlo + 1, Math.ceil(Math.log10(Math.max(hi, 0.01))));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (double d = dlo; d <= dhi; d++) {
            int yy = py + ph - (int) ((d - dlo) / (dhi - dlo) * ph);
            g.setColor(new Color(0xdddddd));
            g.drawLine(px, yy, px + pw, yy);
            g.setColor(Color.DARK_GRAY);
            String label = d >= 0 ? String.format(Locale.ROOT, "%.0f", Math.pow(10, d)) : String.format(Locale.ROOT, "%s",
                    Math.pow(10, d));
            g.drawString(label, px - 8 - g.getFontMetrics().stringWidth(label), yy + 5);
        }
        String[] ticks = {"0%", "50%", "90%", "99%", "99.9%", "99.99%", "max"};
        double[] at = {0, nines(50), 1, 2, 3, 4, nines(100)};
        for (int i = 0; i < ticks.length; i++) {
            int xx = px + (int) (at[i] / 4.6 * pw);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(xx, py, xx, py + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(ticks[i], xx - g.getFontMetrics().stringWidth(ticks[i]) / 2, py + ph + 18);
        }
        g.drawString("percentile", px + pw / 2 - 30, py + ph + 38);
        g.setStroke(new BasicStroke(2.5f));
        for (Map<String, Object> r : lat) {
            Color c = colors.get(String.valueOf(r.get("server")));
            int lx = -1;
            int ly = -1;
            for (Object o : (List<Object>) r.get("distribution_ms")) {
                List<Object> pt = (List<Object>) o;
                double p = ((Number) pt.get(0)).doubleValue();
                double v = Math.max(((Number) pt.get(1)).doubleValue(), 0.01);
                int xx = px + (int) (nines(p) / 4.6 * pw);
                int yy = py + ph - (int) ((Math.log10(v) - dlo) / (dhi - dlo) * ph);
                g.setColor(c);
                g.fillOval(xx - 4, yy - 4, 8, 8);
                if (lx >= 0) {
                    g.drawLine(lx, ly, xx, yy);
                }
                lx = xx;
                ly = yy;
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    private void bars(Graphics2D g, int x, int y, int w, int h, String scenario, String key, String heading, int decimals) {
        frame(g, x, y, w, h, heading);
        // Groups: for connections, one per session count; otherwise one.
        Map<String, Map<String, Double>> groups = new LinkedHashMap<>();
        Set<String> servers = new LinkedHashSet<>();
        for (Map<String, Object> r : results) {
            if (!scenario.equals(r.get("scenario")) || !(r.get(key) instanceof Number n)) {
                continue;
            }
            String group = scenario.equals("connections")
                    ? String.format(Locale.ROOT, "%,d sessions", ((Number) r.get("sessions")).longValue())
                    : scenario.equals("throughput") ? String.format(Locale.ROOT, "%d pairs, window %d",
                            ((Number) r.get("pairs")).longValue(), ((Number) r.get("window")).longValue()) : "";
            String server = String.valueOf(r.get("server"));
            servers.add(server);
            groups.computeIfAbsent(group, k -> new LinkedHashMap<>()).put(server, n.doubleValue());
        }
        int px = x + 80;
        int py = y + 40;
        int pw = w - 110;
        int ph = h - 100;
        if (groups.isEmpty()) {
            g.setColor(Color.DARK_GRAY);
            g.drawString("no results", px + 20, py + 40);
            return;
        }
        double max = 0;
        for (Map<String, Double> m : groups.values()) {
            for (double v : m.values()) {
                max = Math.max(max, v);
            }
        }
        double step = niceStep(max / 5);
        double top = Math.max(step, Math.ceil(max / step) * step);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (double v = 0; v <= top + step / 2; v += step) {
            int yy = py + ph - (int) (v / top * ph);
            g.setColor(new Color(0xdddddd));
            g.drawLine(px, yy, px + pw, yy);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, "%,.0f", v);
            g.drawString(label, px - 8 - g.getFontMetrics().stringWidth(label), yy + 5);
        }
        int groupWidth = pw / groups.size();
        int gi = 0;
        for (Map.Entry<String, Map<String, Double>> ge : groups.entrySet()) {
            int gx = px + gi * groupWidth;
            int n = servers.size();
            int barW = Math.min(90, (groupWidth - 40) / Math.max(1, n));
            int bx = gx + (groupWidth - barW * n) / 2;
            int si = 0;
            for (String s : servers) {
                Double v = ge.getValue().get(s);
                if (v != null) {
                    int bh = (int) (v / top * ph);
                    g.setColor(colors.get(s));
                    g.fillRect(bx + si * barW + 4, py + ph - bh, barW - 8, bh);
                    g.setColor(Color.BLACK);
                    String label = Metrics.format(v, decimals);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(label, bx + si * barW + barW / 2 - fm.stringWidth(label) / 2, py + ph - bh - 5);
                }
                si++;
            }
            g.setColor(Color.DARK_GRAY);
            g.drawString(ge.getKey(), gx + groupWidth / 2 - g.getFontMetrics().stringWidth(ge.getKey()) / 2, py + ph + 20);
            gi++;
        }
    }

    private static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    private static void frame(Graphics2D g, int x, int y, int w, int h, String heading) {
        g.setColor(new Color(0xf8f8f8));
        g.fillRect(x, y, w, h);
        g.setColor(new Color(0xbbbbbb));
        g.drawRect(x, y, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(heading, x + 12, y + 24);
    }
}
