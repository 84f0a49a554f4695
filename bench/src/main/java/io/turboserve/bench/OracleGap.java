package io.turboserve.bench;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.DemandStats;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import io.turboserve.placement.OraclePlacement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The optimality gap on single snapshots (DESIGN.md section 9: the oracle is not replayed through
 * whole traces): seeded snapshots of 2–4 GPUs with up to 16 sessions, some resident (possibly
 * unbalanced), some waiting; each policy's plan is scored by the objective the oracle minimises,
 * bottleneck L + η·Σκ over the moves it makes, and compared with the oracle's optimum.
 */
final class OracleGap {
    record Result(int snapshots, double meanGap, double maxGap, int optimal, double leastLoadedMean, double leastLoadedMax) {
    }

    static final double ETA = 0.35;

    private OracleGap() {
    }

    static Result measure(int count) {
        SplittableRandom rnd = new SplittableRandom(2606_19271L);
        LatencyModel reference = Policies.analyticLatency();
        PlacementPolicy ts = Policies.placement("turboserve");
        PlacementPolicy ll = Policies.placement("least-loaded");
        double sum = 0;
        double max = 0;
        double llSum = 0;
        double llMax = 0;
        int optimal = 0;
        int n = 0;
        while (n < count) {
            ClusterSnapshot s = snapshot(rnd, reference);
            OraclePlacement.Solution best = OraclePlacement.solve(s, ETA, 5_000_000);
            if (!best.exhaustive() || best.objective() <= 0) {
                continue;
            }
            double g = score(s, ts.plan(s, PolicyState.NONE).plan(), s.latency(), best.unplaced()) / best.objective() - 1;
            double gl = score(s, ll.plan(s, PolicyState.NONE).plan(), s.latency(), best.unplaced()) / best.objective() - 1;
            sum += g;
            max = Math.max(max, g);
            llSum += gl;
            llMax = Math.max(llMax, gl);
            if (g < 1e-9) {
                optimal++;
            }
            n++;
        }
        return new Result(n, sum / n, max, optimal, llSum / n, llMax);
    }

    private static ClusterSnapshot snapshot(SplittableRandom rnd, LatencyModel reference) {
        int gpus = 2 + rnd.nextInt(3);
        // Mixed GPU generations: each GPU runs the reference model 1–2× slower, so that the greedy
        // placement is not trivially optimal.
        double[] slow = new double[gpus];
        for (int g = 0; g < gpus; g++) {
            slow[g] = 1 + rnd.nextInt(5) * 0.25;
        }
        LatencyModel latency = new LatencyModel() {
            @Override
            public long chunkNanos(int gpu, int sessions) {
                return Math.round(reference.chunkNanos(gpu, sessions) * slow[gpu]);
            }

            @Override
            public long migrationNanos(long bytes) {
                return reference.migrationNanos(bytes);
            }
        };
        int k = 4;
        int total = 1 + rnd.nextInt(Math.min(16, gpus * k));
        List<GpuView> views = new ArrayList<>();
        for (int g = 0; g < gpus; g++) {
            views.add(new GpuView(g, GpuState.READY, k, 1L << 40, 0));
        }
        int[] used = new int[gpus];
        List<SessionView> sessions = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            boolean resident = rnd.nextInt(3) > 0;
            int g = rnd.nextInt(gpus);
            // Skew residents towards low ids: an unbalanced cluster, as departures leave it.
            g = rnd.nextBoolean() ? Math.min(g, rnd.nextInt(gpus)) : g;
            if (resident && used[g] < k) {
                used[g]++;
                sessions.add(new SessionView("s" + i, "m", Lifecycle.ACTIVE, Residency.RESIDENT, g, 256L << 20, 0, 0));
            } else {
                sessions.add(new SessionView("s" + i, "m", Lifecycle.ACTIVE, Residency.NONE, -1, 256L << 20, 0, 0));
            }
        }
        return new ClusterSnapshot(0, k, k, gpus, new BudgetBounds(1, gpus), views, sessions,
                new DemandStats(total, total, 60_000_000_000L, List.of(), total, 0), latency);
    }

    /** The oracle's objective for a plan: L + η·Σκ, with the same number of sessions left unplaced. */
    private static double score(ClusterSnapshot s, Plan plan, LatencyModel latency, int unplacedAllowed) {
        Map<Integer, Integer> count = new HashMap<>();
        Map<String, Integer> where = new HashMap<>();
        for (SessionView v : s.sessions()) {
            if (v.gpu() >= 0) {
                where.put(v.id(), v.gpu());
            }
        }
        for (Placement p : plan.placements()) {
            where.put(p.sessionId(), p.gpu());
        }
        double moves = 0;
        for (Migration m : plan.migrations()) {
            where.put(m.sessionId(), m.to());
            moves += latency.migrationNanos(256L << 20);
        }
        where.values().forEach(g -> count.merge(g, 1, Integer::sum));
        int unplaced = s.sessions().size() - where.size();
        long worst = 0;
        for (var e : count.entrySet()) {
            worst = Math.max(worst, latency.chunkNanos(e.getKey(), e.getValue()));
        }
        // A plan leaving more sessions without a GPU than the optimum is scored as infinitely worse.
        return unplaced > unplacedAllowed ? Double.POSITIVE_INFINITY : worst + ETA * moves;
    }
}
