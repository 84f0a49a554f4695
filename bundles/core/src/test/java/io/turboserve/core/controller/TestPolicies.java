package io.turboserve.core.controller;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.ScalingResult;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Minimal policies for controller tests (the real ones live in their own bundles). */
final class TestPolicies {
    private TestPolicies() {
    }

    /** Fewest sessions first; offloads idle resident sessions. */
    static PlacementPolicy leastLoaded() {
        return new PlacementPolicy() {
            @Override
            public String name() {
                return "test-least-loaded";
            }

            @Override
            public PlacementResult plan(io.turboserve.api.policy.ClusterSnapshot s, PolicyState previous) {
                Map<Integer, Integer> used = new HashMap<>();
                for (GpuView g : s.gpus()) {
                    if (g.acceptsSessions()) {
                        used.put(g.id(), s.occupancy(g.id()));
                    }
                }
                List<Placement> placements = new ArrayList<>();
                List<String> offloads = new ArrayList<>();
                for (SessionView v : s.sessions()) {
                    if (v.lifecycle() == Lifecycle.IDLE && v.residency() == Residency.RESIDENT) {
                        offloads.add(v.id());
                    }
                    if (v.needsPlacement()) {
                        int best = -1;
                        for (var e : used.entrySet()) {
                            if (e.getValue() < s.sessionsPerGpu() && (best < 0 || e.getValue() < used.get(best)
                                    || (e.getValue().equals(used.get(best)) && e.getKey() < best))) {
                                best = e.getKey();
                            }
                        }
                        if (best >= 0) {
                            used.merge(best, 1, Integer::sum);
                            placements.add(new Placement(v.id(), best));
                        }
                    }
                }
                return new PlacementResult(new Plan(placements, List.of(), offloads), previous);
            }
        };
    }

    /** A policy that returns a fixed plan whatever it sees. */
    static PlacementPolicy constant(Plan plan) {
        return new PlacementPolicy() {
            @Override
            public String name() {
                return "constant";
            }

            @Override
            public PlacementResult plan(io.turboserve.api.policy.ClusterSnapshot s, PolicyState previous) {
                return new PlacementResult(plan, previous);
            }
        };
    }

    /** A budget read from an array so that tests can move it. */
    static AutoscalingPolicy budget(int[] budget) {
        return new AutoscalingPolicy() {
            @Override
            public String name() {
                return "test-budget";
            }

            @Override
            public ScalingResult scale(io.turboserve.api.policy.ClusterSnapshot s,
                    io.turboserve.api.policy.BottleneckEstimator b, PolicyState previous) {
                return new ScalingResult(budget[0], previous, "test");
            }
        };
    }
}
