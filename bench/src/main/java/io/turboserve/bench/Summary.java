package io.turboserve.bench;

import io.turboserve.sim.RunResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The suite's conclusions: each pair's worst-case latency and GPU-seconds as ratios to
 * {@code TurboServe_base} (round-robin/fixed:memory), to the same base held to K (round-robin/fixed)
 * and to TurboServe (turboserve/turboserve), averaged over the scenarios, and per workload family;
 * the scenarios where ours is worse than TurboServe.
 */
record Summary(List<Pair> pairs, Map<String, double[]> vsBase, Map<String, Double> worstVsCappedBase,
        Map<String, double[]> vsTurboServe,
        Map<String, Map<String, double[]>> oursVsTsByFamily, List<String> oursWorseOnWorst, List<String> oursWorseOnCost,
        double floorVsTurboServe, Map<String, double[]> service, Map<Integer, double[]> vsBaseBySize, int scenarios) {

    static final String TS = "turboserve/turboserve";

    /**
     * Ratios [worst, GPU-seconds, p99] averaged over the scenarios, and per pair its service as users
     * see it: [late chunks (stalls) summed, SLO attainment averaged].
     */
    static Summary of(List<ScenarioRunner.Outcome> outcomes, List<Pair> pairs) {
        Map<String, double[]> vsBase = new LinkedHashMap<>();
        Map<String, Double> vsCapped = new LinkedHashMap<>();
        Map<String, double[]> vsTs = new LinkedHashMap<>();
        Map<String, Map<String, double[]>> fam = new LinkedHashMap<>();
        Map<String, double[]> service = new LinkedHashMap<>();
        List<String> worseWorst = new ArrayList<>();
        List<String> worseCost = new ArrayList<>();
        // The GPU-second floor depends on the workload alone (every active session resident, nothing
        // else paid), so one ratio per scenario, against turboserve's cost there.
        double floor = 0;
        int floors = 0;
        for (ScenarioRunner.Outcome o : outcomes) {
            RunResult ts = Suite.result(o, TS);
            if (ts != null && ts.gpuSeconds() > 0) {
                floor += ts.boundGpuSeconds() / ts.gpuSeconds();
                floors++;
            }
        }
        floor = floors == 0 ? Double.NaN : floor / floors;
        // Against TurboServe_base, per cluster size (key: the size; 0: all sizes): turboserve's worst,
        // worst step and GPU-s, ours' worst and GPU-s (ours runs smaller steps, so its worst step is
        // not its chunk latency), and the count.
        Map<Integer, double[]> bySize = new java.util.TreeMap<>();
        for (ScenarioRunner.Outcome o : outcomes) {
            RunResult base = Suite.result(o, Report.BASE);
            RunResult ts = Suite.result(o, TS);
            RunResult ours = Suite.result(o, Policies.OURS);
            if (base == null || ts == null || ours == null) {
                continue;
            }
            for (int size : new int[] {o.scenario().settings().maxGpus(), 0}) {
                double[] v = bySize.computeIfAbsent(size, k -> new double[6]);
                v[0] += (double) ts.worstNanos() / base.worstNanos();
                v[1] += (double) ts.worstStepNanos() / base.worstStepNanos();
                v[2] += ts.gpuSeconds() / base.gpuSeconds();
                v[3] += (double) ours.worstNanos() / base.worstNanos();
                v[4] += ours.gpuSeconds() / base.gpuSeconds();
                v[5] += 1;
            }
        }
        for (Pair p : pairs) {
            double[] b = new double[3];
            double[] t = new double[3];
            double[] served = new double[2];
            int n = 0;
            int withBase = 0;
            double capped = 0;
            int withCapped = 0;
            int withTs = 0;
            for (ScenarioRunner.Outcome o : outcomes) {
                RunResult r = Suite.result(o, p.label());
                RunResult base = Suite.result(o, Report.BASE);
                RunResult ts = Suite.result(o, TS);
                RunResult cappedBase = Suite.result(o, Report.CAPPED_BASE);
                if (r == null) {
                    continue;
                }
                n++;
                served[0] += r.stalls();
                served[1] += r.sloAttainment();
                if (base != null) {
                    withBase++;
                    b[0] += (double) r.worstNanos() / base.worstNanos();
                    b[1] += r.gpuSeconds() / base.gpuSeconds();
                    b[2] += (double) r.p99Nanos() / base.p99Nanos();
                }
                if (cappedBase != null) {
                    withCapped++;
                    capped += (double) r.worstNanos() / cappedBase.worstNanos();
                }
                if (ts != null) {
                    withTs++;
                    t[0] += (double) r.worstNanos() / ts.worstNanos();
                    t[1] += r.gpuSeconds() / ts.gpuSeconds();
                    t[2] += (double) r.p99Nanos() / ts.p99Nanos();
                }
                if (p.label().equals(Policies.OURS) && ts != null) {
                    double[] f = fam.computeIfAbsent(o.scenario().workloadKind(), k -> new LinkedHashMap<>())
                            .computeIfAbsent("ratios", k -> new double[3]);
                    f[0] += (double) r.worstNanos() / ts.worstNanos();
                    f[1] += r.gpuSeconds() / ts.gpuSeconds();
                    f[2] += 1;
                    if (r.worstNanos() > ts.worstNanos() * 1.001) {
                        worseWorst.add(o.scenario().name() + String.format(Locale.ROOT, " (%.1f vs %.1f ms)",
                                r.worstNanos() / 1e6, ts.worstNanos() / 1e6));
                    }
                    if (r.gpuSeconds() > ts.gpuSeconds() * 1.001) {
                        worseCost.add(o.scenario().name() + String.format(Locale.ROOT, " (%.0f vs %.0f GPU-s)",
                                r.gpuSeconds(), ts.gpuSeconds()));
                    }
                }
            }
            for (int i = 0; i < 3; i++) {
                b[i] = withBase == 0 ? Double.NaN : b[i] / withBase;
                t[i] = withTs == 0 ? Double.NaN : t[i] / withTs;
            }
            served[1] /= Math.max(1, n);
            vsBase.put(p.label(), b);
            vsCapped.put(p.label(), withCapped == 0 ? Double.NaN : capped / withCapped);
            vsTs.put(p.label(), t);
            service.put(p.label(), served);
        }
        return new Summary(pairs, vsBase, vsCapped, vsTs, fam, worseWorst, worseCost, floor, service, bySize, outcomes.size());
    }

    /** @return the ratio as a signed percentage change, or n/a when the reference pair did not run. */
    static String pct(double ratio) {
        return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%+.1f %%", (ratio - 1) * 100);
    }

    static String headline(Summary s, OracleGap.Result gap) {
        StringBuilder b = new StringBuilder("Suite averages (worst-case chunk latency, GPU-seconds, p99):\n");
        for (Pair p : s.pairs()) {
            double[] vb = s.vsBase().get(p.label());
            double[] vt = s.vsTurboServe().get(p.label());
            b.append(String.format(Locale.ROOT, "  %-36s vs TurboServe_base: worst %s, GPU-s %s, p99 %s | vs base held to K: worst %s | vs turboserve: worst %s, GPU-s %s%n",
                    p.label(), pct(vb[0]), pct(vb[1]), pct(vb[2]), pct(s.worstVsCappedBase().get(p.label())), pct(vt[0]), pct(vt[1])));
        }
        b.append(String.format(Locale.ROOT, "Oracle gap of turboserve placement on %d single snapshots (<= 4 GPUs, <= 16 sessions): mean %.2f %%, max %.2f %%%n",
                gap.snapshots(), gap.meanGap() * 100, gap.maxGap() * 100));
        b.append("Scenarios where ours is worse than turboserve on worst-case latency: ")
                .append(s.oursWorseOnWorst().isEmpty() ? "none" : String.join("; ", s.oursWorseOnWorst())).append('\n');
        return b.toString();
    }

    static String markdown(Summary s, List<ScenarioRunner.Outcome> outcomes, OracleGap.Result gap, boolean quick,
            double wall, int threads) {
        StringBuilder b = new StringBuilder();
        b.append("# TurboServe policy benchmark\n\n");
        b.append("Generated by `run/bench --suite").append(quick ? " --quick" : "").append("`: ").append(outcomes.size())
                .append(" scenarios × ").append(s.pairs().size()).append(" policy pairs, simulated by the server's own controller and policies (")
                .append(String.format(Locale.ROOT, "%.0f s wall on %d threads", wall, threads)).append(").\n\n");
        b.append("Policies at their documented defaults: turboserve placement η 0.35, minGain 40 ms, 3 rounds, 4 migrations, rebalance 10 s; "
                + "turboserve autoscaling ρ̂ 0.9/0.8/0.7 and λ 0/4/8 by transition CV (< 0.5, 0.5–1, > 1), 2 extra candidates; "
                + "forecast: history 90 s, utilisation 1, cold-start headroom max(largest rise within a cold start, the last cold start's trend carried one ahead), its own scale-in hold min(controller hold, max(cold start, 1 s)); "
                + "playout-slack: batching-aware, and when sessions wait for a slot, a session whose chunk has waited 1 s takes the slot of the one with the most playout slack (at least 3 s), up to 16 swaps a decision; controller: scale-in hold 5 s, tick 1 s, demand window 60 s in 10 bins.\n\n");
        b.append("`TurboServe_base` = `" + Report.BASE + "`: round-robin on a fixed budget with no per-GPU session target, "
                + "each GPU admitting sessions until their states fill its memory and coalescing all of them into one step, "
                + "as a deployment without TurboServe's K does (docs/DESIGN.md, deviations). `" + Report.CAPPED_BASE
                + "` is the same held to K sessions per GPU, a stronger baseline than the paper's; \"worst vs base held to K\" compares with it. ")
                .append("`fixed` = the peak budget of turboserve/turboserve on the same run (DESIGN.md §9). ")
                .append("Ours = `").append(Policies.OURS).append("`. Ratios are averaged over scenarios; negative is better.\n\n");
        b.append("## Summary (no cold start: the paper's comparison)\n\n").append(tables(s));
        b.append(String.format(Locale.ROOT, "## Optimality gap\n\nturboserve placement against the exhaustive oracle on %d seeded single snapshots (2–4 GPUs, up to 16 sessions, reference analytic model): mean gap %.2f %%, max %.2f %%, optimal in %d of them; least-loaded: mean %.2f %%, max %.2f %% (the paper: 3.6 %%).%n%n",
                gap.snapshots(), gap.meanGap() * 100, gap.maxGap() * 100, gap.optimal(), gap.leastLoadedMean() * 100,
                gap.leastLoadedMax() * 100));
        b.append("## Scenarios\n\n");
        for (ScenarioRunner.Outcome o : outcomes) {
            b.append("### ").append(o.scenario().name()).append("\n\n");
            b.append("Parameters: ").append(o.scenario().modelParams()).append("; settings ")
                    .append(o.scenario().settings().describe()).append("; peak active ")
                    .append(io.turboserve.sim.Workloads.peakActive(o.scenario().workload())).append(", fixed budget ")
                    .append(o.fixedBudget()).append(" (⌈peak active/K⌉ = ").append(o.ceilBudget()).append(")")
                    .append("; `").append(Pair.MEMORY).append("` pairs: K = max batch = ")
                    .append(ScenarioRunner.memoryAdmission(o.scenario().settings(),
                            io.turboserve.sim.Workloads.peakActive(o.scenario().workload())).sessionsPerGpu())
                    .append(" (the states a GPU's memory holds, at most the peak active sessions)\n\n");
            b.append(Report.table(o)).append('\n');
        }
        return b.toString();
    }

    /** The summary tables of one set of scenarios. */
    static String tables(Summary s) {
        StringBuilder b = new StringBuilder();
        if (s.scenarios() == 0) {
            return "No scenario of this kind ran (see --only).\n\n";
        }
        b.append("| pair | worst vs base | GPU-s vs base | p99 vs base | worst vs base held to K | worst vs turboserve | GPU-s vs turboserve | p99 vs turboserve "
                + "| late chunks (stalls), summed | SLO attainment, mean |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Pair p : s.pairs()) {
            double[] vb = s.vsBase().get(p.label());
            double[] vt = s.vsTurboServe().get(p.label());
            b.append("| ").append(p.label()).append(" | ").append(pct(vb[0])).append(" | ").append(pct(vb[1])).append(" | ")
                    .append(pct(vb[2])).append(" | ").append(pct(s.worstVsCappedBase().get(p.label()))).append(" | ").append(pct(vt[0])).append(" | ").append(pct(vt[1])).append(" | ")
                    .append(pct(vt[2])).append(" | ");
            double[] sv = s.service().get(p.label());
            b.append(String.format(Locale.ROOT, "%,.0f | %.2f %% |%n", sv[0], sv[1] * 100));
        }
        if (!Double.isNaN(s.floorVsTurboServe())) {
            double ours = s.vsTurboServe().containsKey(Policies.OURS) ? s.vsTurboServe().get(Policies.OURS)[1] : Double.NaN;
            b.append(String.format(Locale.ROOT, "%nThe GPU-second floor, every active session resident at every instant and "
                    + "nothing else paid (the integral of max(min budget, ⌈active/K⌉): no cold start, scale-in hold, "
                    + "idle slot or transfer), averages %s against turboserve; ours is %s, %.0f %% of the way from "
                    + "turboserve to that floor.%n", pct(s.floorVsTurboServe()), pct(ours),
                    100 * (1 - ours) / (1 - s.floorVsTurboServe())));
        }
        if (!s.vsBaseBySize().isEmpty()) {
            b.append("\n### turboserve and ours against TurboServe_base, per cluster size\n\n"
                    + "\"Worst step\" is the longest coalesced step that served a chunk: the latency model's chunk time at "
                    + "the load the GPU had, with no wait counted (for the step in flight, a restore, a migration or a slot). "
                    + "It is what the paper's reference model calls a session's chunk latency; \"worst\" is the worst chunk "
                    + "as a user sees it, waits included. Ours splits a GPU's sessions into smaller steps when that "
                    + "shortens the wait of a chunk that arrives mid-step, so its step time is not its chunk latency and is "
                    + "not shown.\n\n"
                    + "| GPUs (at most) | scenarios | turboserve worst | turboserve worst step | turboserve GPU-s "
                    + "| ours worst | ours GPU-s |\n|--:|--:|--:|--:|--:|--:|--:|\n");
            s.vsBaseBySize().forEach((gpus, v) -> {
                if (gpus > 0) {
                    row(b, String.valueOf(gpus), v);
                }
            });
            row(b, "all", s.vsBaseBySize().get(0));
        }
        b.append("\n### Ours against turboserve, per workload family\n\n| workload | scenarios | worst | GPU-s |\n|---|--:|--:|--:|\n");
        s.oursVsTsByFamily().forEach((fam, m) -> {
            double[] f = m.get("ratios");
            b.append("| ").append(fam).append(" | ").append((int) f[2]).append(" | ").append(pct(f[0] / f[2])).append(" | ")
                    .append(pct(f[1] / f[2])).append(" |\n");
        });
        b.append("\nScenarios where ours has a worse worst-case chunk than turboserve: ")
                .append(s.oursWorseOnWorst().isEmpty() ? "none." : "\n\n- " + String.join("\n- ", s.oursWorseOnWorst())).append("\n\n");
        b.append("Scenarios where ours costs more GPU-seconds than turboserve: ")
                .append(s.oursWorseOnCost().isEmpty() ? "none." : "\n\n- " + String.join("\n- ", s.oursWorseOnCost())).append("\n\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String name, double[] v) {
        b.append("| ").append(name).append(" | ").append((int) v[5]);
        for (int i = 0; i < 5; i++) {
            b.append(" | ").append(pct(v[i] / v[5]));
        }
        b.append(" |\n");
    }

    static Map<String, Object> json(Summary s, List<ScenarioRunner.Outcome> outcomes, OracleGap.Result gap) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> sum = new LinkedHashMap<>();
        for (Pair p : s.pairs()) {
            double[] vb = s.vsBase().get(p.label());
            double[] vt = s.vsTurboServe().get(p.label());
            sum.put(p.label(), Map.of("worst_vs_base", vb[0], "gpu_seconds_vs_base", vb[1],
                    "worst_vs_base_held_to_k", s.worstVsCappedBase().get(p.label()), "worst_vs_turboserve", vt[0],
                    "gpu_seconds_vs_turboserve", vt[1]));
        }
        root.put("summary", sum);
        root.put("oracle_gap", Map.of("snapshots", gap.snapshots(), "mean", gap.meanGap(), "max", gap.maxGap()));
        List<Object> sc = new ArrayList<>();
        for (ScenarioRunner.Outcome o : outcomes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", o.scenario().name());
            m.put("parameters", o.scenario().modelParams());
            m.put("fixed_budget", o.fixedBudget());
            Map<String, Object> res = new LinkedHashMap<>();
            o.results().forEach((p, r) -> res.put(p.label(), Metrics.of(r)));
            m.put("results", res);
            sc.add(m);
        }
        root.put("scenarios", sc);
        return root;
    }
}
