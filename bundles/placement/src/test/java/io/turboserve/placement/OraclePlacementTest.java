package io.turboserve.placement;

import static io.turboserve.placement.Snapshots.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The oracle against hand-worked optima and against an independent brute force on seeded random
 * snapshots. Objective: fewest sessions left without a GPU, then {@code L + η·Σκ}.
 */
class OraclePlacementTest {
    private static final double ETA = 0.35;
    private static final double TOLERANCE = 1e-3;

    @Test
    void splitsAFullGpuWhereTheMoveIsWorthIt() {
        // GPU 0: 4 sessions of 256 MB (κ = 16 ms, η·κ = 5.6 ms), GPU 1 empty. Moving k of them:
        // k = 0: 245.3; k = 1: 182.5 + 5.6 = 188.1; k = 2: 121.8 + 11.2 = 133.0;
        // k = 3: 182.5 + 16.8 = 199.3; k = 4: 245.3 + 22.4. Optimum: move 2, objective 133.0 ms.
        ClusterSnapshot snap = Snapshots.cluster(2).sessions("s0:ACTIVE:RESIDENT:0", "s1:ACTIVE:RESIDENT:0",
                "s2:ACTIVE:RESIDENT:0", "s3:ACTIVE:RESIDENT:0").build();
        OraclePlacement.Solution best = OraclePlacement.solve(snap, ETA, 1_000_000);
        assertEquals(121_800_000L, best.bottleneckNanos());
        assertEquals(133.0 * MS, best.objective(), TOLERANCE);
        assertEquals(2, best.migrations().size());
        assertTrue(best.exhaustive());
        PlacementResult r = new OraclePlacement().plan(snap, PolicyState.NONE);
        assertEquals(2, r.plan().migrations().size());
        assertEquals(best.objective(), evaluate(snap, r.plan(), ETA)[1], TOLERANCE);
    }

    @Test
    void placesNewSessionsWithoutNeedlessMoves() {
        // GPU 0 runs 3, GPU 1 runs 1; x and y need a GPU. 3, 3 gives L = 182.5 with no move;
        // moving one of GPU 0's to GPU 1 as well would leave 2, 4: worse.
        ClusterSnapshot snap = Snapshots.cluster(2).sessions("a0:ACTIVE:RESIDENT:0", "a1:ACTIVE:RESIDENT:0",
                "a2:ACTIVE:RESIDENT:0", "b0:ACTIVE:RESIDENT:1", "x:ACTIVE:NONE:-1", "y:ACTIVE:OFFLOADED:-1").build();
        OraclePlacement.Solution best = OraclePlacement.solve(snap, ETA, 1_000_000);
        assertEquals(List.of(new Placement("x", 1), new Placement("y", 1)), best.placements());
        assertEquals(List.of(), best.migrations());
        assertEquals(182_500_000L, best.bottleneckNanos());
    }

    @Test
    void optimalBottleneckOfEightNewSessionsOnThreeGpus() {
        // 8 sessions on 3 GPUs of K = 4: at best 3, 3, 2 -> L = 182.5 ms.
        String[] s = new String[8];
        for (int i = 0; i < 8; i++) {
            s[i] = "n" + i + ":ACTIVE:NONE:-1";
        }
        assertEquals(182_500_000L, OraclePlacement.optimalBottleneckNanos(Snapshots.cluster(3).sessions(s).build()));
    }

    @Test
    void matchesBruteForceOnSeededRandomSnapshots() {
        Random random = new Random(20_260_619L);
        for (int trial = 0; trial < 300; trial++) {
            ClusterSnapshot snap = randomSnapshot(random);
            double[] expected = bruteForce(snap, ETA);
            OraclePlacement.Solution best = OraclePlacement.solve(snap, ETA, 10_000_000);
            String where = "trial " + trial + ": " + snap;
            assertTrue(best.exhaustive(), where);
            double[] got = evaluate(snap, new Plan(best.placements(), best.migrations(), List.of()), ETA);
            assertEquals(expected[0], got[0], where);
            assertEquals(expected[1], got[1], TOLERANCE, where);
            assertEquals(expected[1], best.objective(), TOLERANCE, where);
            assertEquals((long) expected[0], best.unplaced(), where);
            // turboserve's plan is one valid plan among those the oracle searched: never better.
            Plan heuristic = new TurboServePlacement().plan(snap, PolicyState.NONE).plan();
            double[] h = evaluate(snap, heuristic, ETA);
            assertTrue(h[0] > got[0] || (h[0] == got[0] && h[1] >= got[1] - TOLERANCE), where);
        }
    }

    @Test
    void fourGpusAndSixteenSessionsComplete() {
        // K = 8 so that migrations have room: GPU 0 runs 6, GPU 1 runs 4 (all sizes distinct, so no
        // two residents are interchangeable), GPUs 2 and 3 are empty, 6 sessions need a GPU.
        Snapshots.Builder b = Snapshots.cluster(4).k(8);
        for (int i = 0; i < 6; i++) {
            b.sessions("a" + i + ":ACTIVE:RESIDENT:0:" + (100_000_000L * (i + 1)));
        }
        for (int i = 0; i < 4; i++) {
            b.sessions("b" + i + ":ACTIVE:RESIDENT:1:" + (150_000_000L * (i + 1)));
        }
        for (int i = 0; i < 6; i++) {
            b.sessions("n" + i + ":ACTIVE:NONE:-1");
        }
        ClusterSnapshot snap = b.build();
        OraclePlacement.Solution best = OraclePlacement.solve(snap, ETA, 5_000_000);
        assertTrue(best.exhaustive(), "searched to the end within the default node limit: " + best.nodes() + " nodes");
        assertEquals(6, best.placements().size());
        double[] heuristic = evaluate(snap, new TurboServePlacement().plan(snap, PolicyState.NONE).plan(), ETA);
        assertTrue(best.objective() <= heuristic[1] + TOLERANCE);
        OraclePlacement.optimalBottleneckNanos(snap);
    }

    @Test
    void beyondItsLimitsItPlacesAsTurboserveDoes() {
        // 5 ready GPUs > 4: the oracle hands the decision to turboserve.
        ClusterSnapshot snap = Snapshots.cluster(5).sessions("s0:ACTIVE:RESIDENT:0", "s1:ACTIVE:RESIDENT:0",
                "s2:ACTIVE:RESIDENT:0", "s3:ACTIVE:RESIDENT:0", "x:ACTIVE:NONE:-1", "i:IDLE:RESIDENT:1").build();
        PlacementResult oracle = new OraclePlacement().plan(snap, PolicyState.NONE);
        PlacementResult turbo = new TurboServePlacement().plan(snap, PolicyState.NONE);
        assertEquals(turbo, oracle);
    }

    // ------------------------------------------------------------------ the independent reference

    private static ClusterSnapshot randomSnapshot(Random random) {
        int gpus = 2 + random.nextInt(2);
        Snapshots.Builder b = Snapshots.cluster(gpus).stateBytes(Snapshots.MB256);
        double[] factor = new double[gpus];
        for (int g = 0; g < gpus; g++) {
            factor[g] = random.nextInt(3) == 0 ? 1.5 : 1;
        }
        b.latency(Snapshots.scaled(factor));
        if (gpus == 3 && random.nextInt(5) == 0) {
            b.state(2, GpuState.DRAINING);
        }
        int[] used = new int[gpus];
        long[] sizes = {128_000_000L, 256_000_000L, 1_000_000_000L, 4_000_000_000L};
        int n = 1 + random.nextInt(8);
        for (int i = 0; i < n; i++) {
            long bytes = sizes[random.nextInt(sizes.length)];
            int g = random.nextInt(gpus);
            String kind = switch (random.nextInt(7)) {
                case 0, 1, 2 -> "ACTIVE:RESIDENT";
                case 3 -> "ACTIVE:NONE";
                case 4 -> "ACTIVE:OFFLOADED";
                case 5 -> "IDLE:RESIDENT";
                default -> "ACTIVE:IN_TRANSIT";
            };
            boolean onGpu = kind.endsWith("RESIDENT") || kind.endsWith("IN_TRANSIT");
            if (onGpu && used[g] >= 4) {
                kind = "ACTIVE:NONE";
                onGpu = false;
            }
            if (onGpu) {
                used[g]++;
            }
            b.sessions("s" + i + ":" + kind + ":" + (onGpu ? g : -1) + ":" + bytes);
        }
        return b.build();
    }

    /** Every assignment, by enumeration: returns {unplaced, L + η·Σκ} of the best. */
    private static double[] bruteForce(ClusterSnapshot snap, double eta) {
        List<SessionView> vars = new ArrayList<>();
        for (SessionView s : snap.sessions()) {
            if (s.needsPlacement() || (s.lifecycle() == Lifecycle.ACTIVE && s.residency() == Residency.RESIDENT)) {
                vars.add(s);
            }
        }
        List<Integer> ready = new ArrayList<>();
        for (GpuView g : snap.gpus()) {
            if (g.acceptsSessions()) {
                ready.add(g.id());
            }
        }
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
        int options = ready.size() + 1;
        int[] choice = new int[vars.size()];
        long total = (long) Math.pow(options, vars.size());
        for (long code = 0; code < total; code++) {
            long c = code;
            List<Placement> placements = new ArrayList<>();
            List<Migration> migrations = new ArrayList<>();
            for (int v = 0; v < vars.size(); v++) {
                choice[v] = (int) (c % options);
                c /= options;
                SessionView s = vars.get(v);
                // Option 0: stay (resident) or no GPU (to place); option j: ready GPU j - 1.
                if (choice[v] > 0) {
                    int g = ready.get(choice[v] - 1);
                    if (s.needsPlacement()) {
                        placements.add(new Placement(s.id(), g));
                    } else if (g != s.gpu()) {
                        migrations.add(new Migration(s.id(), s.gpu(), g));
                    }
                }
            }
            double[] value = evaluate(snap, new Plan(placements, migrations, List.of()), eta);
            if (value != null && (value[0] < best[0] || (value[0] == best[0] && value[1] < best[1]))) {
                best = value;
            }
        }
        return best;
    }

    /**
     * A plan's outcome under the controller's rules, or null when invalid: a ready GPU takes at
     * most K slots counting what is there (a migration's source keeps its slot) and what arrives.
     *
     * @return {unplaced active sessions, L + η·Σκ}
     */
    static double[] evaluate(ClusterSnapshot snap, Plan plan, double eta) {
        Map<Integer, Integer> slots = new HashMap<>();
        Map<Integer, Integer> active = new HashMap<>();
        Map<String, Integer> where = new HashMap<>();
        for (SessionView s : snap.sessions()) {
            if (s.gpu() >= 0 && s.occupies(s.gpu())) {
                slots.merge(s.gpu(), 1, Integer::sum);
                if (s.lifecycle() == Lifecycle.ACTIVE) {
                    where.put(s.id(), s.gpu());
                }
            }
        }
        double cost = 0;
        for (Migration m : plan.migrations()) {
            SessionView s = find(snap, m.sessionId());
            if (s.residency() != Residency.RESIDENT || s.gpu() != m.from()) {
                return null;
            }
            slots.merge(m.to(), 1, Integer::sum);
            where.put(s.id(), m.to());
            cost += snap.latency().migrationNanos(s.stateBytes());
        }
        for (Placement p : plan.placements()) {
            if (!find(snap, p.sessionId()).needsPlacement()) {
                return null;
            }
            slots.merge(p.gpu(), 1, Integer::sum);
            where.put(p.sessionId(), p.gpu());
        }
        for (String id : where.keySet()) {
            active.merge(where.get(id), 1, Integer::sum);
        }
        for (Placement p : plan.placements()) {
            checkReady(snap, p.gpu());
        }
        for (Migration m : plan.migrations()) {
            checkReady(snap, m.to());
        }
        for (GpuView g : snap.gpus()) {
            if (g.acceptsSessions() && slots.getOrDefault(g.id(), 0) > Math.min(g.capacity(), snap.sessionsPerGpu())) {
                return null;
            }
        }
        long worst = 0;
        for (GpuView g : snap.gpus()) {
            worst = Math.max(worst, snap.latency().chunkNanos(g.id(), active.getOrDefault(g.id(), 0)));
        }
        int unplaced = 0;
        for (SessionView s : snap.sessions()) {
            if (s.needsPlacement() && !where.containsKey(s.id())) {
                unplaced++;
            }
        }
        return new double[] {unplaced, worst + eta * cost};
    }

    private static void checkReady(ClusterSnapshot snap, int gpu) {
        GpuView g = snap.gpu(gpu);
        assertTrue(g != null && g.acceptsSessions(), "plan targets GPU " + gpu + " which takes no sessions");
    }

    private static SessionView find(ClusterSnapshot snap, String id) {
        for (SessionView s : snap.sessions()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new AssertionError("no session " + id);
    }
}
