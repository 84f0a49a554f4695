package io.turboserve.bench;

import io.turboserve.sim.SimSettings;
import io.turboserve.sim.Workload;
import java.util.Map;

/**
 * One cell of the suite: a workload on a cluster of up to {@code settings.maxGpus()} GPUs with one
 * latency model.
 *
 * @param workloadKind  the workload family (demo trace, Azure, synthetic) for per-workload summaries
 * @param model         the latency model's name
 * @param modelParams   the parameters it ran with, for the report
 */
record Scenario(String name, String workloadKind, Workload workload, SimSettings settings, String model,
        Map<String, Object> modelParams) {
}
