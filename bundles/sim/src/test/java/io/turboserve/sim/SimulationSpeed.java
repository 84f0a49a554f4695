package io.turboserve.sim;

import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.autoscaler.FixedAutoscaling;
import io.turboserve.placement.LeastLoadedPlacement;
import java.util.Map;

/**
 * The performance smoke of issue 3 (not a test: no assertion on time): simulates a 30-minute
 * workload on 64 GPUs (peak active ≈ 0.8 × 64 × 4) with least-loaded / fixed and prints how many
 * times faster than real time it ran (the target is at least 200×, under 9 s).
 *
 * <pre>java -cp target/classes:target/test-classes:DEPS io.turboserve.sim.SimulationSpeed [gpus] [minutes] [workload]</pre>
 */
public final class SimulationSpeed {
    private SimulationSpeed() {
    }

    public static void main(String[] args) {
        int gpus = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String kind = args.length > 2 ? args[2] : "synthetic";
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int target = Workloads.targetPeakActive(gpus, 4);
        long duration = minutes * 60_000_000_000L;
        long t0 = System.nanoTime();
        Workload w = switch (kind) {
            case "demo" -> Workloads.scaleTo(Workloads.demoTrace(), target);
            case "azure" -> Workloads.azure(1, target, duration);
            default -> SyntheticWorkload.generate(1, target, duration);
        };
        System.out.printf("workload %s: %d events, %d sessions, peak active %d (target %d), built in %.2f s%n", w.name(),
                w.events().size(), w.sessions(), Workloads.peakActive(w), target, (System.nanoTime() - t0) / 1e9);
        SimSettings settings = SimSettings.analytic(gpus);
        for (int i = 0; i < repeats; i++) {
            PlacementPolicy placement = new LeastLoadedPlacement();
            AutoscalingPolicy autoscaling = new FixedAutoscaling(
                    PolicyConfigs.of(FixedAutoscaling.Config.class, Map.of("budget", gpus)));
            RunResult r = Simulation.run(w, settings, placement, autoscaling);
            System.out.printf("run %d: %.2f s wall for %.0f s simulated = %.0fx real time; %d events, %d chunks, "
                    + "decision p50 %.1f us p99 %.1f us max %.1f us%n", i, r.wallNanos() / 1e9, r.simulatedSeconds(),
                    r.speedup(), r.events(), r.chunks(), r.decisionNanosP50() / 1e3, r.decisionNanosP99() / 1e3,
                    r.decisionNanosMax() / 1e3);
            System.out.println("  " + r.summary());
        }
    }
}
