package io.turboserve.bench;

import io.turboserve.sim.LatencyHistogram;
import io.turboserve.sim.RunResult;
import io.turboserve.sim.TimelineSample;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML report: the Markdown tables rendered as HTML, and for a few representative scenarios
 * inline SVG charts: the per-chunk latency distribution (CDF) of each pair, GPUs provisioned
 * against the active sessions over time, and cumulative migrations.
 */
final class Html {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#000000"};
    private static final int W = 640;
    private static final int H = 260;

    private Html() {
    }

    static String page(String markdown, List<ScenarioRunner.Outcome> outcomes) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>TurboServe policy benchmark</title>"
                + "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse;font-size:12px}"
                + "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}svg{background:#fafafa;margin:4px}"
                + ".legend span{margin-right:12px;font-size:12px}</style></head><body>\n");
        int shown = 0;
        StringBuilder charts = new StringBuilder("<h2>Charts</h2>\n");
        for (ScenarioRunner.Outcome o : outcomes) {
            String n = o.scenario().name();
            if (shown < 4 && (n.startsWith("demo | 16") || n.startsWith("azure | 64") || n.startsWith("synthetic | 32")
                    || n.startsWith("synthetic-1 | 32") || n.startsWith("demo | 8"))) {
                charts.append("<h3>").append(esc(n)).append("</h3>\n").append(legend(o.results()))
                        .append(cdf(o.results())).append(gpus(o.results())).append(migrations(o.results()));
                shown++;
            }
        }
        b.append(markdownToHtml(markdown.replace("## Scenarios", charts + "\n## Scenarios")));
        return b.append("</body></html>\n").toString();
    }

    private static String legend(Map<Pair, RunResult> results) {
        StringBuilder b = new StringBuilder("<div class=\"legend\">");
        int i = 0;
        for (Pair p : results.keySet()) {
            b.append("<span style=\"color:").append(COLORS[i++ % COLORS.length]).append("\">&#9632; ").append(esc(p.label())).append("</span>");
        }
        return b.append("</div>\n").toString();
    }

    private static String cdf(Map<Pair, RunResult> results) {
        long maxNanos = 1;
        for (RunResult r : results.values()) {
            maxNanos = Math.max(maxNanos, r.worstNanos());
        }
        StringBuilder b = svgStart("per-chunk latency CDF (x: ms, up to " + f(maxNanos / 1e6) + ")");
        int i = 0;
        for (RunResult r : results.values()) {
            LatencyHistogram h = r.histogram();
            long[] c = h.counts();
            long total = Math.max(1, h.total());
            StringBuilder pts = new StringBuilder();
            long cum = 0;
            for (int k = 0; k < c.length; k++) {
                if (c[k] == 0) {
                    continue;
                }
                cum += c[k];
                double x = 40 + (W - 50) * Math.min(1.0, (double) (k + 1) * h.bucketNanos() / maxNanos);
                double y = H - 20 - (H - 40) * (double) cum / total;
                pts.append(f(x)).append(',').append(f(y)).append(' ');
            }
            b.append(polyline(pts.toString(), COLORS[i++ % COLORS.length]));
        }
        return b.append("</svg>\n").toString();
    }

    private static String gpus(Map<Pair, RunResult> results) {
        double tMax = 1;
        int yMax = 1;
        for (RunResult r : results.values()) {
            for (TimelineSample s : r.timeline()) {
                tMax = Math.max(tMax, s.timeSeconds());
                yMax = Math.max(yMax, Math.max(s.gpusProvisioned(), (s.activeSessions() + 3) / 4));
            }
        }
        StringBuilder b = svgStart("GPUs provisioned over time (grey: active sessions / K; y max " + yMax + ")");
        RunResult first = results.values().iterator().next();
        b.append(polyline(series(first.timeline(), tMax, yMax, true), "#bbbbbb"));
        int i = 0;
        for (RunResult r : results.values()) {
            b.append(polyline(series(r.timeline(), tMax, yMax, false), COLORS[i++ % COLORS.length]));
        }
        return b.append("</svg>\n").toString();
    }

    private static String series(List<TimelineSample> tl, double tMax, int yMax, boolean demand) {
        StringBuilder pts = new StringBuilder();
        int step = Math.max(1, tl.size() / 600);
        for (int k = 0; k < tl.size(); k += step) {
            TimelineSample s = tl.get(k);
            double v = demand ? s.activeSessions() / 4.0 : s.gpusProvisioned();
            pts.append(f(40 + (W - 50) * s.timeSeconds() / tMax)).append(',').append(f(H - 20 - (H - 40) * v / yMax)).append(' ');
        }
        return pts.toString();
    }

    private static String migrations(Map<Pair, RunResult> results) {
        double tMax = 1;
        long yMax = 1;
        for (RunResult r : results.values()) {
            for (TimelineSample s : r.timeline()) {
                tMax = Math.max(tMax, s.timeSeconds());
                yMax = Math.max(yMax, s.migrations());
            }
        }
        StringBuilder b = svgStart("cumulative migrations over time (y max " + yMax + ")");
        int i = 0;
        for (RunResult r : results.values()) {
            StringBuilder pts = new StringBuilder();
            List<TimelineSample> tl = r.timeline();
            int step = Math.max(1, tl.size() / 600);
            for (int k = 0; k < tl.size(); k += step) {
                TimelineSample s = tl.get(k);
                pts.append(f(40 + (W - 50) * s.timeSeconds() / tMax)).append(',')
                        .append(f(H - 20 - (H - 40) * (double) s.migrations() / yMax)).append(' ');
            }
            b.append(polyline(pts.toString(), COLORS[i++ % COLORS.length]));
        }
        return b.append("</svg>\n").toString();
    }

    private static StringBuilder svgStart(String title) {
        return new StringBuilder("<svg width=\"" + W + "\" height=\"" + H + "\" xmlns=\"http://www.w3.org/2000/svg\">")
                .append("<text x=\"40\" y=\"14\" font-size=\"12\">").append(esc(title)).append("</text>")
                .append("<line x1=\"40\" y1=\"" + (H - 20) + "\" x2=\"" + (W - 10) + "\" y2=\"" + (H - 20) + "\" stroke=\"#333\"/>")
                .append("<line x1=\"40\" y1=\"20\" x2=\"40\" y2=\"" + (H - 20) + "\" stroke=\"#333\"/>");
    }

    private static String polyline(String points, String color) {
        return "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\" points=\"" + points + "\"/>";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Enough Markdown for this report: headings, tables, lists, paragraphs, code spans. */
    static String markdownToHtml(String md) {
        StringBuilder b = new StringBuilder();
        boolean table = false;
        for (String line : md.split("\n")) {
            if (line.startsWith("<")) {
                b.append(line).append('\n');
                continue;
            }
            String l = esc(line).replaceAll("`([^`]*)`", "<code>$1</code>");
            if (line.startsWith("|")) {
                if (line.startsWith("|---")) {
                    continue;
                }
                if (!table) {
                    b.append("<table>");
                    table = true;
                }
                String[] cells = l.substring(1, l.length() - (l.endsWith("|") ? 1 : 0)).split("\\|");
                b.append("<tr>");
                for (String c : cells) {
                    b.append("<td>").append(c.trim()).append("</td>");
                }
                b.append("</tr>\n");
                continue;
            }
            if (table) {
                b.append("</table>\n");
                table = false;
            }
            if (line.startsWith("### ")) {
                b.append("<h3>").append(l.substring(4)).append("</h3>\n");
            } else if (line.startsWith("## ")) {
                b.append("<h2>").append(l.substring(3)).append("</h2>\n");
            } else if (line.startsWith("# ")) {
                b.append("<h1>").append(l.substring(2)).append("</h1>\n");
            } else if (line.startsWith("- ")) {
                b.append("<li>").append(l.substring(2)).append("</li>\n");
            } else if (!line.isBlank()) {
                b.append("<p>").append(l).append("</p>\n");
            }
        }
        if (table) {
            b.append("</table>\n");
        }
        return b.toString();
    }
}
