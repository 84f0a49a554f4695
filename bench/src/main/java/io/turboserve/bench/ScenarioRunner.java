package io.turboserve.bench;

import io.turboserve.sim.RunResult;
import io.turboserve.sim.SimSettings;
import io.turboserve.sim.Simulation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs policy pairs side by side on one scenario. TurboServe's own pair runs first: its peak
 * budget is the fixed budget of the baselines (the paper compares cost at equal latency, DESIGN.md
 * section 9); {@code fixed@ceil} is the other reference, ⌈peak active / K⌉.
 */
final class ScenarioRunner {
    static final Pair TURBOSERVE = Pair.parse("turboserve/turboserve");

    record Outcome(Scenario scenario, Map<Pair, RunResult> results, int fixedBudget, int ceilBudget) {
    }

    private ScenarioRunner() {
    }

    static Outcome run(Scenario scenario, List<Pair> pairs) {
        Map<Pair, RunResult> results = new LinkedHashMap<>();
        RunResult reference = simulate(scenario, TURBOSERVE, 0);
        int fixed = Math.max(1, reference.peakGpus());
        int k = scenario.settings().sessionsPerGpu();
        int ceil = Math.max(1, Math.min(scenario.settings().maxGpus(),
                (io.turboserve.sim.Workloads.peakActive(scenario.workload()) + k - 1) / k));
        for (Pair p : pairs) {
            if (p.equals(TURBOSERVE)) {
                results.put(p, reference);
            } else {
                results.put(p, simulate(scenario, p, p.autoscaling().equals("fixed@ceil") ? ceil : fixed));
            }
        }
        return new Outcome(scenario, results, fixed, ceil);
    }

    static RunResult simulate(Scenario scenario, Pair pair, int fixedBudget) {
        SimSettings settings = pair.memoryAdmission()
                ? memoryAdmission(scenario.settings(), io.turboserve.sim.Workloads.peakActive(scenario.workload()))
                : scenario.settings();
        return Simulation.run(scenario.workload(), settings, Policies.placement(pair.placement()),
                Policies.autoscaling(pair.autoscaling(), fixedBudget, settings));
    }

    /**
     * The settings of a deployment without a per-GPU session target: K and the max batch become the
     * number of states a simulated GPU's memory holds ({@link Simulation#GPU_MEMORY_BYTES}), and at
     * least K, since the simulator sizes every GPU to hold K states; the latency model is
     * unchanged, so its step time keeps growing with every session coalesced. No GPU can take more
     * than every session active at the peak, so that bounds it too (and keeps a tiny state from
     * making a run of billion-session GPUs).
     */
    static SimSettings memoryAdmission(SimSettings s, int peakActive) {
        long fit = Math.min(Simulation.GPU_MEMORY_BYTES / s.stateBytes(), Math.max(1, peakActive));
        int k = (int) Math.max(s.sessionsPerGpu(), fit);
        return s.withSessionsPerGpu(k, k);
    }
}
