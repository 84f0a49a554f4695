package io.turboserve.bench;

import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.autoscaler.FixedAutoscaling;
import io.turboserve.autoscaler.ForecastAutoscaling;
import io.turboserve.autoscaler.TurboserveAutoscaling;
import io.turboserve.core.controller.AnalyticLatencyModel;
import io.turboserve.placement.BatchingAwarePlacement;
import io.turboserve.placement.LeastLoadedPlacement;
import io.turboserve.placement.MemoryGreedyPlacement;
import io.turboserve.placement.OraclePlacement;
import io.turboserve.placement.PlayoutSlackPlacement;
import io.turboserve.placement.RoundRobinPlacement;
import io.turboserve.placement.TurboServeNoMigrationPlacement;
import io.turboserve.placement.TurboServePlacement;
import io.turboserve.sim.SimSettings;
import java.time.Duration;
import java.util.List;

/** The policies by name, built as the server builds them, with their documented defaults. */
final class Policies {
    /** Our pair, beyond the paper. */
    static final String OURS = "playout-slack/forecast";

    static final List<String> PLACEMENTS = List.of("round-robin", "least-loaded", "memory-greedy", "turboserve",
            "turboserve-no-migration", "oracle", "batching-aware", "playout-slack");
    static final List<String> AUTOSCALERS = List.of("fixed", "fixed@N", "fixed@ceil", "turboserve", "forecast");

    private Policies() {
    }

    static PlacementPolicy placement(String name) {
        return switch (name) {
            case "round-robin" -> new RoundRobinPlacement();
            case "least-loaded" -> new LeastLoadedPlacement();
            case "memory-greedy" -> new MemoryGreedyPlacement();
            case "turboserve" -> new TurboServePlacement(TurboServePlacement.Settings.defaults());
            case "turboserve-no-migration" -> new TurboServeNoMigrationPlacement(TurboServePlacement.Settings.defaults());
            case "oracle" -> new OraclePlacement();
            case "batching-aware" -> new BatchingAwarePlacement();
            case "playout-slack" -> new PlayoutSlackPlacement();
            default -> throw new IllegalArgumentException("unknown placement policy '" + name + "'; known: " + PLACEMENTS);
        };
    }

    /**
     * @param fixedBudget the budget of {@code fixed} (the scenario's TurboServe peak) and {@code fixed@ceil}
     * @param settings    the run's settings: the cold start both load-driven policies are told about
     */
    static AutoscalingPolicy autoscaling(String name, int fixedBudget, SimSettings settings) {
        Duration coldStart = Duration.ofNanos(settings.coldStartNanos());
        if (name.equals("fixed") || name.equals("fixed@ceil")) {
            return new FixedAutoscaling(fixedBudget);
        }
        if (name.startsWith("fixed@")) {
            try {
                return new FixedAutoscaling(Integer.parseInt(name.substring(6)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fixed@N needs a number of GPUs, got '" + name + "'");
            }
        }
        return switch (name) {
            case "turboserve" -> {
                TurboserveAutoscaling.Settings d = TurboserveAutoscaling.Settings.defaults();
                yield new TurboserveAutoscaling(new TurboserveAutoscaling.Settings(d.rhoLow(), d.rhoMedium(), d.rhoHigh(),
                        d.lambdaLow(), d.lambdaMedium(), d.lambdaHigh(), d.mediumCvFrom(), d.highCvAbove(),
                        d.extraCandidates(), coldStart));
            }
            case "forecast" -> new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults().withColdStart(coldStart));
            default -> throw new IllegalArgumentException("unknown autoscaling policy '" + name + "'; known: " + AUTOSCALERS);
        };
    }

    static LatencyModel analyticLatency() {
        return AnalyticLatencyModel.reference(4);
    }
}
