package io.turboserve.bench;

import io.turboserve.sim.LatencyProfiles;
import io.turboserve.sim.RunResult;
import io.turboserve.sim.SyntheticWorkload;
import io.turboserve.sim.Workload;
import io.turboserve.sim.Workloads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The benchmark suite: every policy pair side by side on several workloads (the TurboServe demo
 * trace scaled to the cluster, the Azure trace through its session adapter, seeded synthetic
 * workloads), clusters of up to 8, 16, 32 and 64 GPUs, the analytic model and the measured H200
 * profile with no cold start (as the paper compares), and the analytic model with a 30 s cold start
 * (realistic). Writes report.md, report.html and results.json; prints the summary.
 */
final class Suite {
    static final long MINUTE = 60_000_000_000L;

    private Suite() {
    }

    static void run(Map<String, String> opts) throws Exception {
        boolean quick = opts.containsKey("quick");
        List<Integer> sizes = quick ? List.of(8, 16) : List.of(8, 16, 32, 64);
        List<Long> seeds = quick ? List.of(1L) : List.of(1L, 2L);
        long duration = 30 * MINUTE;
        int threads = Bench.intOpt(opts, "threads", Runtime.getRuntime().availableProcessors());
        Path out = Path.of(opts.getOrDefault("out", "target/bench-report"));
        Files.createDirectories(out);
        List<Pair> pairs = new ArrayList<>();
        for (String p : opts.getOrDefault("policies", String.join(",", Bench.DEFAULT_PAIRS)).split(",")) {
            pairs.add(Pair.parse(p));
        }

        List<Scenario> scenarios = new ArrayList<>();
        for (int g : sizes) {
            int target = Workloads.targetPeakActive(g, 4);
            Map<String, Workload> workloads = new LinkedHashMap<>();
            workloads.put("demo", Workloads.scaleTo(Workloads.demoTrace(), target, 1));
            workloads.put("azure", Workloads.azure(1, target, duration));
            for (long seed : seeds) {
                workloads.put("synthetic-" + seed, SyntheticWorkload.generate(seed, target, duration));
            }
            List<String[]> models = new ArrayList<>();
            models.add(new String[] {"analytic", "0"});
            models.add(new String[] {LatencyProfiles.H200_REFERENCE + "#wan-1.3b@6", "0"});
            models.add(new String[] {"analytic", "30"});
            for (var w : workloads.entrySet()) {
                for (String[] m : models) {
                    Models.Model model = Models.parse(m[0], g, 4);
                    long cold = Long.parseLong(m[1]) * 1_000_000_000L;
                    String name = w.getKey() + " | " + g + " GPUs | " + model.name() + (cold > 0 ? " | cold start " + m[1] + " s" : "");
                    Map<String, Object> params = new LinkedHashMap<>(model.params());
                    params.put("cold_start_s", cold / 1e9);
                    scenarios.add(new Scenario(name, w.getKey().replaceAll("-\\d+$", ""), w.getValue(),
                            model.settings().withColdStart(cold), model.name() + (cold > 0 ? "+cold" : ""), params));
                }
            }
        }

        if (opts.containsKey("only")) {
            java.util.regex.Pattern only;
            try {
                only = java.util.regex.Pattern.compile(opts.get("only"));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("--only needs a regular expression over scenario names: " + e.getMessage());
            }
            scenarios.removeIf(sc -> !only.matcher(sc.name()).find());
            if (scenarios.isEmpty()) {
                throw new IllegalArgumentException("--only '" + opts.get("only") + "' matches no scenario; names look like "
                        + "'azure | 64 GPUs | analytic-reference | cold start 30 s'");
            }
        }
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<ScenarioRunner.Outcome>> futures = new ArrayList<>();
        for (Scenario s : scenarios) {
            futures.add(pool.submit(() -> ScenarioRunner.run(s, pairs)));
        }
        List<ScenarioRunner.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            outcomes.add(futures.get(i).get());
            System.err.printf(Locale.ROOT, "[%d/%d] %s%n", i + 1, futures.size(), scenarios.get(i).name());
        }
        pool.shutdown();
        double wall = (System.nanoTime() - start) / 1e9;

        OracleGap.Result gap = OracleGap.measure(quick ? 100 : 300);
        // The paper compares without a cold start; the realistic runs (30 s) are summarised apart.
        List<ScenarioRunner.Outcome> paper = outcomes.stream().filter(o -> o.scenario().settings().coldStartNanos() == 0).toList();
        List<ScenarioRunner.Outcome> realistic = outcomes.stream().filter(o -> o.scenario().settings().coldStartNanos() > 0).toList();
        Summary summary = Summary.of(paper, pairs);
        Summary cold = Summary.of(realistic, pairs);
        String md = Summary.markdown(summary, outcomes, gap, quick, wall, threads)
                .replace("## Optimality gap", "## Realistic runs (30 s GPU cold start), summarised apart\n\n" + Summary.tables(cold) + "\n## Optimality gap");
        Files.writeString(out.resolve("report.md"), md);
        Files.writeString(out.resolve("report.html"), Html.page(md, outcomes));
        Files.writeString(out.resolve("results.json"), Json.write(Summary.json(summary, outcomes, gap)));
        System.out.println("Without cold start (the paper's comparison), " + paper.size() + " scenarios:");
        System.out.println(Summary.headline(summary, gap));
        System.out.println("With a 30 s cold start (realistic), " + realistic.size() + " scenarios:");
        System.out.println(Summary.headline(cold, gap));
        System.out.println("report: " + out.resolve("report.md") + ", " + out.resolve("report.html") + ", "
                + out.resolve("results.json"));
    }

    static RunResult result(ScenarioRunner.Outcome o, String label) {
        return Report.find(o.results(), label);
    }
}
