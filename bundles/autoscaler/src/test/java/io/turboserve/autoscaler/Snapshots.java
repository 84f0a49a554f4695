package io.turboserve.autoscaler;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.BottleneckEstimator;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.DemandStats;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Snapshots for autoscaling tables: what an autoscaler reads is the active count, K, the bounds,
 * the clock and the demand window (60 s in 10 bins, as the controller's defaults).
 */
final class Snapshots {
    static final long SECOND = 1_000_000_000L;
    static final long WINDOW = 60 * SECOND;
    static final int BINS = 10;

    /** Autoscaling never asks the latency model directly: it goes through bottleneckAt. */
    private static final LatencyModel UNUSED = new LatencyModel() {
        @Override
        public long chunkNanos(int gpu, int sessions) {
            throw new AssertionError("an autoscaler weighs latency through bottleneckAt only");
        }

        @Override
        public long migrationNanos(long bytes) {
            throw new AssertionError("an autoscaler weighs latency through bottleneckAt only");
        }
    };

    private int active;
    private int idle;
    private int k = 4;
    private BudgetBounds bounds = new BudgetBounds(1, 64);
    private double cv;
    private long now;
    private boolean demand = true;

    private Snapshots(int active) {
        this.active = active;
    }

    /** @return a snapshot builder with {@code n} active sessions, K 4, bounds 1..64, CV 0, at t = 0. */
    static Snapshots active(int n) {
        return new Snapshots(n);
    }

    Snapshots idle(int n) {
        idle = n;
        return this;
    }

    Snapshots k(int sessionsPerGpu) {
        k = sessionsPerGpu;
        return this;
    }

    Snapshots bounds(int min, int max) {
        bounds = new BudgetBounds(min, max);
        return this;
    }

    Snapshots cv(double transitionCv) {
        cv = transitionCv;
        return this;
    }

    Snapshots atSeconds(long seconds) {
        now = seconds * SECOND;
        return this;
    }

    /** A snapshot without demand statistics: volatility unknown. */
    Snapshots noDemand() {
        demand = false;
        return this;
    }

    ClusterSnapshot build() {
        List<SessionView> sessions = new ArrayList<>();
        for (int i = 0; i < active; i++) {
            sessions.add(new SessionView("a" + i, "tiny", Lifecycle.ACTIVE, Residency.RESIDENT, i / k, 1 << 20, 0, 0));
        }
        for (int i = 0; i < idle; i++) {
            sessions.add(new SessionView("i" + i, "tiny", Lifecycle.IDLE, Residency.OFFLOADED, -1, 1 << 20, 0, 0));
        }
        DemandStats stats = demand
                ? new DemandStats(active + idle, active, WINDOW, Collections.nCopies(BINS, 1), active, cv)
                : null;
        return new ClusterSnapshot(now, k, k, bounds.min(), bounds, List.of(), sessions, stats, UNUSED);
    }

    /** A bottleneckAt stub that answers from a table of milliseconds and records what it was asked. */
    static final class Latencies implements BottleneckEstimator {
        private final Map<Integer, Long> millis;
        private final long otherwise;
        final List<Integer> asked = new ArrayList<>();

        private Latencies(Map<Integer, Long> millis, long otherwise) {
            this.millis = millis;
            this.otherwise = otherwise;
        }

        /** @return the same latency at every budget. */
        static Latencies flat(long ms) {
            return new Latencies(Map.of(), ms);
        }

        /** @return these latencies by budget, {@code otherwise} elsewhere. */
        static Latencies table(Map<Integer, Long> ms, long otherwise) {
            return new Latencies(ms, otherwise);
        }

        @Override
        public long bottleneckNanosAt(int budget) {
            asked.add(budget);
            return millis.getOrDefault(budget, otherwise) * 1_000_000L;
        }
    }
}
