package io.turboserve.bench;

import io.turboserve.sim.RunResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** The figures of one run, as the benchmark's JSON and report name them. */
final class Metrics {
    private Metrics() {
    }

    static Map<String, Object> of(RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("worst_ms", r.worstNanos() / 1e6);
        m.put("p99_ms", r.p99Nanos() / 1e6);
        m.put("p50_ms", r.p50Nanos() / 1e6);
        m.put("gpu_seconds", r.gpuSeconds());
        m.put("bound_gpu_seconds", r.boundGpuSeconds());
        m.put("peak_gpus", r.peakGpus());
        m.put("migrations", r.migrations());
        m.put("migration_wait_mean_ms", r.migrationWaitMeanNanos() / 1e6);
        m.put("migration_wait_max_ms", r.migrationWaitMaxNanos() / 1e6);
        m.put("unplaced_active_seconds", r.unplacedActiveSeconds());
        m.put("stalls", r.stalls());
        m.put("decision_ms_p50", r.decisionNanosP50() / 1e6);
        m.put("chunks", r.chunks());
        m.put("slo_attainment", r.sloAttainment());
        m.put("ttfc_p50_ms", r.ttfcP50Nanos() / 1e6);
        m.put("ttfc_worst_ms", r.ttfcWorstNanos() / 1e6);
        m.put("offloads", r.offloads());
        m.put("restores", r.restores());
        m.put("decision_ms_p99", r.decisionNanosP99() / 1e6);
        m.put("worst_step_ms", r.worstStepNanos() / 1e6);
        // The K and max batch the pair ran with (a :memory pair's are its GPU's memory's), which
        // bound_gpu_seconds also uses.
        m.put("sessions_per_gpu", Integer.parseInt(r.parameters().getOrDefault("sessions_per_gpu", "0")));
        m.put("max_batch", Integer.parseInt(r.parameters().getOrDefault("max_batch", "0")));
        m.put("simulated_s", r.simulatedSeconds());
        m.put("wall_s", r.wallNanos() / 1e9);
        return m;
    }
}
