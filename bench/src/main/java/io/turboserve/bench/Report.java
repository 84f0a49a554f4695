package io.turboserve.bench;

import io.turboserve.sim.RunResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Tables of a scenario's results, with each pair's figures as ratios to the baselines. */
final class Report {
    /** The paper's {@code TurboServe_base}: round-robin on a fixed budget, sessions admitted up to GPU memory. */
    static final String BASE = "round-robin/fixed" + Pair.MEMORY;
    /** The same base held to K sessions per GPU: a stronger baseline than the paper's. */
    static final String CAPPED_BASE = "round-robin/fixed";

    private Report() {
    }

    static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String pct(double ratio) {
        return String.format(Locale.ROOT, "%+.1f %%", (ratio - 1) * 100);
    }

    /** A Markdown table: absolute figures, then worst-case latency and GPU-seconds against the base and TurboServe. */
    static String table(ScenarioRunner.Outcome o) {
        StringBuilder b = new StringBuilder();
        b.append("| pair | worst ms | p99 ms | p50 ms | SLO % | stalls | TTFC p50 ms | GPU-s | peak GPUs | migr | migr wait ms mean / max | offl | unplaced act-s | decision ms p50 | worst vs base | GPU-s vs base | worst vs TS | GPU-s vs TS |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        RunResult base = find(o.results(), BASE);
        RunResult ts = find(o.results(), ScenarioRunner.TURBOSERVE.label());
        for (Map.Entry<Pair, RunResult> e : o.results().entrySet()) {
            RunResult r = e.getValue();
            b.append("| ").append(e.getKey().label().replaceFirst("fixed", "fixed(" + budgetOf(e.getKey(), o) + ")"))
                    .append(" | ").append(f(r.worstNanos() / 1e6))
                    .append(" | ").append(f(r.p99Nanos() / 1e6))
                    .append(" | ").append(f(r.p50Nanos() / 1e6))
                    .append(" | ").append(f(r.sloAttainment() * 100))
                    .append(" | ").append(r.stalls())
                    .append(" | ").append(f(r.ttfcP50Nanos() / 1e6))
                    .append(" | ").append(f(r.gpuSeconds()))
                    .append(" | ").append(r.peakGpus())
                    .append(" | ").append(r.migrations())
                    .append(" | ").append(r.migrations() == 0 ? "" : f(r.migrationWaitMeanNanos() / 1e6) + " / "
                            + f(r.migrationWaitMaxNanos() / 1e6))
                    .append(" | ").append(r.offloads())
                    .append(" | ").append(f(r.unplacedActiveSeconds()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.3f", r.decisionNanosP50() / 1e6))
                    .append(" | ").append(base == null ? "" : pct((double) r.worstNanos() / base.worstNanos()))
                    .append(" | ").append(base == null ? "" : pct(r.gpuSeconds() / base.gpuSeconds()))
                    .append(" | ").append(ts == null ? "" : pct((double) r.worstNanos() / ts.worstNanos()))
                    .append(" | ").append(ts == null ? "" : pct(r.gpuSeconds() / ts.gpuSeconds()))
                    .append(" |\n");
        }
        return b.toString();
    }

    /** The budget a fixed pair ran with: TurboServe's peak, ⌈peak active/K⌉, or its own N (within the GPUs there are). */
    private static String budgetOf(Pair p, ScenarioRunner.Outcome o) {
        String a = p.autoscaling();
        if (a.equals("fixed@ceil")) {
            return String.valueOf(o.ceilBudget());
        }
        if (a.startsWith("fixed@")) {
            return String.valueOf(Math.min(Integer.parseInt(a.substring(6)), o.scenario().settings().maxGpus()));
        }
        return String.valueOf(o.fixedBudget());
    }

    static RunResult find(Map<Pair, RunResult> results, String label) {
        for (Map.Entry<Pair, RunResult> e : results.entrySet()) {
            if (e.getKey().label().equals(label)) {
                return e.getValue();
            }
        }
        return null;
    }

    static List<String> labels(Map<Pair, RunResult> results) {
        return results.keySet().stream().map(Pair::label).toList();
    }
}
