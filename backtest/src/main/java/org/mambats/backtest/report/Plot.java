package org.mambats.backtest.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small chart panel drawn with Java2D: lines, shaded bands, markers, vertical rules, or grouped bars over named
 * categories; nice axis ticks (times in UTC for time axes), a title, axis labels and a legend. Several panels can
 * share one image ({@link #draw} into a rectangle). Headless: nothing needs a display.
 */
final class Plot {
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Color GRID = new Color(225, 225, 225);
    static final Color AXIS = new Color(90, 90, 90);

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private boolean timeX;
    private double xMin = Double.NaN, xMax = Double.NaN, yMin = Double.NaN, yMax = Double.NaN;
    private final List<Layer> layers = new ArrayList<>();
    private List<String> categories;
    private String legendPosition = "top-left";
    private final List<double[]> hLines = new ArrayList<>();

    private sealed interface Layer permits Line, Band, Markers, VRule, Bars {
    }

    private record Line(double[] x, double[] y, Color color, float width, boolean dashed, String name) implements Layer {
    }

    private record Band(double[] x, double[] lo, double[] hi, Color color, String name) implements Layer {
    }

    private record Markers(double[] x, double[] y, Color color, String name) implements Layer {
    }

    private record VRule(double x, Color color, String label) implements Layer {
    }

    private record Bars(double[] values, Color color, String name) implements Layer {
    }

    Plot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    Plot timeAxis() {
        timeX = true;
        return this;
    }

    Plot xRange(double lo, double hi) {
        xMin = lo;
        xMax = hi;
        return this;
    }

    Plot yRange(double lo, double hi) {
        yMin = lo;
        yMax = hi;
        return this;
    }

    Plot legendAt(String position) {
        legendPosition = position;
        return this;
    }

    /** A horizontal reference line at y (drawn dashed, grey). */
    Plot hLine(double y) {
        hLines.add(new double[] {y});
        return this;
    }

    /** Makes this a bar chart over the categories; add series with {@link #bars}. */
    Plot categories(List<String> names) {
        categories = List.copyOf(names);
        return this;
    }

    Plot line(double[] x, double[] y, Color c, float width, boolean dashed, String name) {
        layers.add(new Line(x, y, c, width, dashed, name));
        return this;
    }

    Plot band(double[] x, double[] lo, double[] hi, Color c, String name) {
        layers.add(new Band(x, lo, hi, c, name));
        return this;
    }

    Plot markers(double[] x, double[] y, Color c, String name) {
        layers.add(new Markers(x, y, c, name));
        return this;
    }

    Plot vRule(double x, Color c, String label) {
        layers.add(new VRule(x, c, label));
        return this;
    }

    Plot bars(double[] values, Color c, String name) {
        layers.add(new Bars(values, c, name));
        return this;
    }

    static BufferedImage image(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    static Graphics2D graphics(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        return g;
    }

    static void save(BufferedImage img, Path file) throws IOException {
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    BufferedImage render(int w, int h) {
        BufferedImage img = image(w, h);
        Graphics2D g = graphics(img);
        draw(g, 0, 0, w, h);
        g.dispose();
        return img;
    }

    /** Draws the panel into the rectangle (x0, y0, w, h). */
    void draw(Graphics2D g, int x0, int y0, int w, int h) {
        boolean bars = categories != null;
        double[] xr = bars ? new double[] {-0.5, categories.size() - 0.5} : dataRangeX();
        double[] yr = dataRangeY(bars);
        double[] yTicks = niceTicks(yr[0], yr[1], 6);
        yr[0] = Math.min(yr[0], yTicks[0]);
        yr[1] = Math.max(yr[1], yTicks[yTicks.length - 1]);

        g.setFont(TICK);
        FontMetrics tm = g.getFontMetrics();
        int yDecimals = decimals(yTicks);
        int labelW = 0;
        for (double t : yTicks) {
            labelW = Math.max(labelW, tm.stringWidth(format(t, yDecimals)));
        }
        int left = x0 + 22 + labelW + 8, right = x0 + w - 16, top = y0 + 34, bottom = y0 + h - 46;
        int pw = right - left, ph = bottom - top;
        Mapper m = new Mapper(left, top, pw, ph, xr, yr);

        // Title, axis labels.
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString(title, left, y0 + 22);
        g.setFont(LABEL);
        FontMetrics lm = g.getFontMetrics();
        g.drawString(xLabel, left + (pw - lm.stringWidth(xLabel)) / 2, y0 + h - 8);
        Graphics2D gr = (Graphics2D) g.create();
        gr.rotate(-Math.PI / 2);
        gr.drawString(yLabel, -(top + (ph + lm.stringWidth(yLabel)) / 2), x0 + 15);
        gr.dispose();

        // Grid and ticks.
        g.setFont(TICK);
        for (double t : yTicks) {
            int py = (int) Math.round(m.y(t));
            g.setColor(GRID);
            g.drawLine(left, py, right, py);
            g.setColor(AXIS);
            String s = format(t, yDecimals);
            g.drawString(s, left - 6 - tm.stringWidth(s), py + tm.getAscent() / 2 - 1);
        }
        if (bars) {
            for (int c = 0; c < categories.size(); c++) {
                String s = categories.get(c);
                int px = (int) Math.round(m.x(c));
                g.setColor(AXIS);
                g.drawString(s, px - tm.stringWidth(s) / 2, bottom + 16);
            }
        } else if (timeX) {
            long step = timeStep((long) (xr[1] - xr[0]));
            // Over a year or more the year matters more than the day.
            DateTimeFormatter fmt = DateTimeFormatter.ofPattern((xr[1] - xr[0]) > 300 * 86_400_000.0 ? "yyyy-MM"
                    : step >= 86_400_000L ? "MM-dd" : (xr[1] - xr[0]) > 86_400_000L
                    ? "MM-dd HH:mm" : "HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
            long first = (long) Math.ceil(xr[0] / step) * step;
            for (long t = first; t <= xr[1]; t += step) {
                int px = (int) Math.round(m.x(t));
                g.setColor(GRID);
                g.drawLine(px, top, px, bottom);
                g.setColor(AXIS);
                String s = fmt.format(Instant.ofEpochMilli(t));
                g.drawString(s, px - tm.stringWidth(s) / 2, bottom + 16);
            }
        } else {
            double[] xTicks = niceTicks(xr[0], xr[1], 8);
            int xd = decimals(xTicks);
            for (double t : xTicks) {
                if (t < xr[0] - 1e-12 || t > xr[1] + 1e-12) {
                    continue;
                }
                int px = (int) Math.round(m.x(t));
                g.setColor(GRID);
                g.drawLine(px, top, px, bottom);
                g.setColor(AXIS);
                String s = format(t, xd);
                g.drawString(s, px - tm.stringWidth(s) / 2, bottom + 16);
            }
        }
        g.setColor(AXIS);
        g.drawRect(left, top, pw, ph);

        // Layers, clipped to the plot area.
        Graphics2D c = (Graphics2D) g.create();
        c.clip(new Rectangle2D.Double(left, top, pw + 1, ph + 1));
        for (double[] hl : hLines) {
            c.setColor(new Color(120, 120, 120));
            c.setStroke(dashed(1.2f));
            c.draw(new Line2D.Double(left, m.y(hl[0]), right, m.y(hl[0])));
        }
        int barSeries = (int) layers.stream().filter(l -> l instanceof Bars).count();
        int barIndex = 0;
        for (Layer l : layers) {
            if (l instanceof Band b) {
                c.setColor(b.color);
                Path2D.Double p = new Path2D.Double();
                boolean started = false;
                for (int i = 0; i < b.x.length; i++) {
                    if (!Double.isFinite(b.hi[i])) {
                        continue;
                    }
                    if (!started) {
                        p.moveTo(m.x(b.x[i]), m.y(b.hi[i]));
                        started = true;
                    } else {
                        p.lineTo(m.x(b.x[i]), m.y(b.hi[i]));
                    }
                }
                for (int i = b.x.length - 1; i >= 0; i--) {
                    if (Double.isFinite(b.lo[i])) {
                        p.lineTo(m.x(b.x[i]), m.y(b.lo[i]));
                    }
                }
                if (started) {
                    p.closePath();
                    c.fill(p);
                }
            } else if (l instanceof Line ln) {
                c.setColor(ln.color);
                c.setStroke(ln.dashed ? dashed(ln.width) : new BasicStroke(ln.width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double p = new Path2D.Double();
                boolean pen = false;
                for (int i = 0; i < ln.x.length; i++) {
                    if (!Double.isFinite(ln.y[i])) {
                        pen = false;
                        continue;
                    }
                    if (pen) {
                        p.lineTo(m.x(ln.x[i]), m.y(ln.y[i]));
                    } else {
                        p.moveTo(m.x(ln.x[i]), m.y(ln.y[i]));
                        pen = true;
                    }
                }
                c.draw(p);
            } else if (l instanceof Markers mk) {
                c.setColor(mk.color);
                for (int i = 0; i < mk.x.length; i++) {
                    if (Double.isFinite(mk.y[i])) {
                        c.fill(new Ellipse2D.Double(m.x(mk.x[i]) - 4, m.y(mk.y[i]) - 4, 8, 8));
                    }
                }
            } else if (l instanceof VRule v) {
                c.setColor(v.color);
                c.setStroke(dashed(1f));
                c.draw(new Line2D.Double(m.x(v.x), top, m.x(v.x), bottom));
                if (v.label != null) {
                    c.setFont(TICK);
                    c.drawString(v.label, (float) m.x(v.x) + 3, top + 13);
                }
            } else if (l instanceof Bars b) {
                double groupW = 0.8, each = groupW / Math.max(1, barSeries);
                for (int i = 0; i < b.values.length; i++) {
                    if (!Double.isFinite(b.values[i])) {
                        continue;
                    }
                    double xl = i - groupW / 2 + barIndex * each;
                    double y0v = Math.max(yr[0], Math.min(0, yr[1]));
                    double ya = m.y(Math.max(b.values[i], y0v)), yb = m.y(Math.min(b.values[i], y0v));
                    Shape r = new Rectangle2D.Double(m.x(xl), ya, m.x(xl + each) - m.x(xl) - 1, Math.max(1, yb - ya));
                    c.setColor(b.color);
                    c.fill(r);
                }
                barIndex++;
            }
        }
        c.dispose();
        drawLegend(g, left, top, pw, ph);
    }

    private void drawLegend(Graphics2D g, int left, int top, int pw, int ph) {
        List<Object[]> items = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof Line ln && ln.name != null) {
                items.add(new Object[] {ln.name, ln.color, ln.dashed ? "dash" : "line"});
            } else if (l instanceof Band b && b.name != null) {
                items.add(new Object[] {b.name, b.color, "box"});
            } else if (l instanceof Markers mk && mk.name != null) {
                items.add(new Object[] {mk.name, mk.color, "dot"});
            } else if (l instanceof Bars b && b.name != null) {
                items.add(new Object[] {b.name, b.color, "box"});
            }
        }
        if (items.isEmpty() || "none".equals(legendPosition)) {
            return;
        }
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        int tw = 0;
        for (Object[] it : items) {
            tw = Math.max(tw, fm.stringWidth((String) it[0]));
        }
        int rowH = fm.getHeight() + 2, bw = tw + 44, bh = items.size() * rowH + 8;
        int bx = legendPosition.endsWith("right") ? left + pw - bw - 8 : left + 8;
        int by = legendPosition.startsWith("bottom") ? top + ph - bh - 8 : top + 8;
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(bx, by, bw, bh);
        g.setColor(new Color(190, 190, 190));
        g.drawRect(bx, by, bw, bh);
        Stroke saved = g.getStroke();
        for (int i = 0; i < items.size(); i++) {
            Object[] it = items.get(i);
            int cy = by + 4 + i * rowH + rowH / 2;
            g.setColor((Color) it[1]);
            switch ((String) it[2]) {
                case "line" -> {
                    g.setStroke(new BasicStroke(2.5f));
                    g.drawLine(bx + 8, cy, bx + 32, cy);
                }
                case "dash" -> {
                    g.setStroke(dashed(2f));
                    g.drawLine(bx + 8, cy, bx + 32, cy);
                }
                case "dot" -> g.fillOval(bx + 16, cy - 4, 8, 8);
                default -> g.fillRect(bx + 8, cy - 6, 24, 12);
            }
            g.setStroke(saved);
            g.setColor(Color.BLACK);
            g.drawString((String) it[0], bx + 38, cy + fm.getAscent() / 2 - 1);
        }
    }

    private double[] dataRangeX() {
        double lo = xMin, hi = xMax;
        if (Double.isNaN(lo) || Double.isNaN(hi)) {
            double a = Double.POSITIVE_INFINITY, b = Double.NEGATIVE_INFINITY;
            for (Layer l : layers) {
                double[] xs = l instanceof Line ln ? ln.x : l instanceof Band bd ? bd.x : l instanceof Markers mk ? mk.x : null;
                if (xs != null) {
                    for (double v : xs) {
                        if (Double.isFinite(v)) {
                            a = Math.min(a, v);
                            b = Math.max(b, v);
                        }
                    }
                }
            }
            lo = Double.isNaN(lo) ? a : lo;
            hi = Double.isNaN(hi) ? b : hi;
        }
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            return new double[] {0, 1};
        }
        if (hi <= lo) {
            hi = lo + 1;
        }
        return new double[] {lo, hi};
    }

    private double[] dataRangeY(boolean bars) {
        double lo = yMin, hi = yMax;
        if (Double.isNaN(lo) || Double.isNaN(hi)) {
            double a = Double.POSITIVE_INFINITY, b = Double.NEGATIVE_INFINITY;
            for (Layer l : layers) {
                List<double[]> ys = new ArrayList<>();
                if (l instanceof Line ln) {
                    ys.add(ln.y);
                } else if (l instanceof Band bd) {
                    ys.add(bd.lo);
                    ys.add(bd.hi);
                } else if (l instanceof Markers mk) {
                    ys.add(mk.y);
                } else if (l instanceof Bars br) {
                    ys.add(br.values);
                }
                for (double[] y : ys) {
                    for (double v : y) {
                        if (Double.isFinite(v)) {
                            a = Math.min(a, v);
                            b = Math.max(b, v);
                        }
                    }
                }
            }
            for (double[] hl : hLines) {
                a = Math.min(a, hl[0]);
                b = Math.max(b, hl[0]);
            }
            if (bars) {
                a = Math.min(a, 0);
                b = Math.max(b, 0);
            }
            if (!Double.isFinite(a)) {
                a = 0;
                b = 1;
            }
            double pad = (b - a) * 0.05;
            if (pad == 0) {
                pad = Math.abs(a) > 0 ? Math.abs(a) * 0.05 : 1;
            }
            lo = Double.isNaN(lo) ? (bars && a >= 0 ? 0 : a - pad) : lo;
            hi = Double.isNaN(hi) ? b + pad : hi;
        }
        return new double[] {lo, hi};
    }

    /** Ticks at 1, 2 or 5 times a power of ten covering [lo, hi]. */
    static double[] niceTicks(double lo, double hi, int target) {
        double range = hi - lo;
        if (!(range > 0)) {
            range = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
            lo -= range / 2;
            hi += range / 2;
        }
        double raw = range / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
        double first = Math.floor(lo / step + 1e-9) * step;
        int count = (int) Math.ceil((hi - first) / step - 1e-9) + 1;
        double[] t = new double[Math.max(2, count)];
        for (int i = 0; i < t.length; i++) {
            t[i] = first + i * step;
        }
        return t;
    }

    static int decimals(double[] ticks) {
        if (ticks.length < 2) {
            return 2;
        }
        double step = Math.abs(ticks[1] - ticks[0]);
        return (int) Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
    }

    static String format(double v, int decimals) {
        if (Math.abs(v) < 1e-12) {
            v = 0;
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static long timeStep(long span) {
        long[] steps = {60_000L, 300_000L, 900_000L, 1_800_000L, 3_600_000L, 7_200_000L, 10_800_000L, 21_600_000L, 43_200_000L,
                86_400_000L, 172_800_000L, 604_800_000L};
        for (long s : steps) {
            if (span / s <= 8) {
                return s;
            }
        }
        return steps[steps.length - 1] * Math.max(1, span / steps[steps.length - 1] / 8);
    }

    static Stroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f);
    }

    private record Mapper(int left, int top, int pw, int ph, double[] xr, double[] yr) {
        double x(double v) {
            return left + (v - xr[0]) / (xr[1] - xr[0]) * pw;
        }

        double y(double v) {
            return top + ph - (v - yr[0]) / (yr[1] - yr[0]) * ph;
        }
    }
}
