package io.turboserve.bench;

import io.turboserve.sim.SimSettings;
import io.turboserve.sim.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy benchmark's command line (see README, "Benchmarks"):
 *
 * <pre>
 * run/bench --trace FILE --max-gpus N [--k K] --model analytic|PROFILE.json[#MODEL@FRAMES]
 *           [--policies P/A[:memory],...] [--cold-start-s S] [--start warm|cold] [--seed S] --json OUT
 * run/bench --suite [--quick] [--out DIR] [--threads T]
 * </pre>
 *
 * Without {@code --policies} every pair runs, ours included. A {@code .csv} trace goes through the
 * Azure session adapter; a {@code .json} trace is read in the TurboServe event format. With
 * {@code --start warm} (the default) the GPUs each autoscaler holds before the first event are
 * ready at 0 s; with {@code cold} the run starts from no GPU and its first GPUs wait the cold start.
 */
public final class Bench {
    static final List<String> DEFAULT_PAIRS = List.of(Report.BASE, "round-robin/fixed", "round-robin/fixed@ceil", "least-loaded/fixed",
            "memory-greedy/fixed",
            "turboserve-no-migration/turboserve", "turboserve/fixed", "turboserve/turboserve", "batching-aware/forecast",
            Policies.OURS);

    private Bench() {
    }

    /** The options each form takes, so that a misspelt one is refused rather than ignored. */
    static final java.util.Set<String> SINGLE_OPTIONS = java.util.Set.of("trace", "max-gpus", "k", "model", "policies",
            "cold-start-s", "start", "seed", "json");
    static final java.util.Set<String> SUITE_OPTIONS = java.util.Set.of("suite", "quick", "out", "threads", "policies",
            "only");

    public static void main(String[] args) throws Exception {
        try {
            Map<String, String> opts = parse(args);
            java.util.Set<String> known = opts.containsKey("suite") ? SUITE_OPTIONS : SINGLE_OPTIONS;
            for (String key : opts.keySet()) {
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown option --" + key + (opts.containsKey("suite")
                            ? " for --suite; it takes --quick, --out, --threads, --policies, --only"
                            : "; a single run takes --trace, --max-gpus, --k, --model, --policies, --cold-start-s, "
                                    + "--start, --seed, --json"));
                }
            }
            if (opts.containsKey("suite")) {
                Suite.run(opts);
            } else {
                single(opts);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("bench: no such file: " + e.getFile());
            System.exit(2);
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            if (key.equals("suite") || key.equals("quick")) {
                opts.put(key, "true");
            } else if (i + 1 < args.length) {
                opts.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
        }
        return opts;
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required; usage: run/bench --trace FILE --max-gpus N"
                    + " [--k K] --model analytic|PROFILE.json [--policies P/A[:memory],...] --json OUT");
        }
        return v;
    }

    static int intOpt(Map<String, String> opts, String key, int dflt) {
        String v = opts.get(key);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'");
        }
    }

    private static void single(Map<String, String> opts) throws IOException {
        Path trace = Path.of(required(opts, "trace"));
        int maxGpus = intOpt(opts, "max-gpus", -1);
        if (maxGpus < 1) {
            throw new IllegalArgumentException("--max-gpus must be at least 1");
        }
        int k = intOpt(opts, "k", 4);
        long seed = intOpt(opts, "seed", 1);
        Path out = Path.of(required(opts, "json"));
        Models.Model model = Models.parse(required(opts, "model"), maxGpus, k);
        String start = opts.getOrDefault("start", "warm");
        if (!start.equals("warm") && !start.equals("cold")) {
            throw new IllegalArgumentException("--start must be warm or cold, got '" + start + "'");
        }
        SimSettings settings = model.settings().withColdStart(intOpt(opts, "cold-start-s", 0) * 1_000_000_000L)
                .withWarmStart(start.equals("warm"));
        Workload workload = WorkloadFiles.load(trace, seed, (int) Math.round(0.8 * maxGpus * k));
        List<Pair> pairs = new ArrayList<>();
        for (String p : opts.getOrDefault("policies", String.join(",", DEFAULT_PAIRS)).split(",")) {
            pairs.add(Pair.parse(p));
        }
        for (Pair p : pairs) {
            Policies.placement(p.placement());
            Policies.autoscaling(p.autoscaling(), 1, settings);
        }
        Scenario scenario = new Scenario(trace.getFileName().toString(), "trace", workload, settings, model.name(),
                model.params());
        ScenarioRunner.Outcome outcome = ScenarioRunner.run(scenario, pairs);

        Map<String, Object> json = new LinkedHashMap<>();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("trace", trace.toString());
        params.put("max_gpus", maxGpus);
        params.put("k", k);
        params.put("model", model.name());
        params.put("model_parameters", model.params());
        params.put("cold_start_s", settings.coldStartNanos() / 1e9);
        params.put("start", start);
        params.put("fixed_budget", outcome.fixedBudget());
        params.put("peak_active", io.turboserve.sim.Workloads.peakActive(workload));
        json.put("parameters", params);
        Map<String, Object> results = new LinkedHashMap<>();
        outcome.results().forEach((p, r) -> results.put(p.label(), Metrics.of(r)));
        json.put("results", results);
        Files.writeString(out, Json.write(json));
        System.out.println(Report.table(outcome));
        System.out.println("wrote " + out);
    }
}
