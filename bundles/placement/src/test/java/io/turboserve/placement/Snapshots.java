package io.turboserve.placement;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.DemandStats;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.List;

/** Builds snapshots for policy tables: GPUs by id, sessions as "id:lifecycle:residency:gpu". */
final class Snapshots {
    static final LatencyModel LINEAR = new LatencyModel() {
        @Override
        public long chunkNanos(int gpu, int sessions) {
            return sessions * 100_000_000L;
        }

        @Override
        public long migrationNanos(long bytes) {
            return 10_000_000L;
        }
    };

    private Snapshots() {
    }

    static ClusterSnapshot of(int gpus, String... sessions) {
        List<GpuView> g = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            g.add(new GpuView(i, GpuState.READY, 4, 1L << 30, 0));
        }
        List<SessionView> s = new ArrayList<>();
        for (String spec : sessions) {
            String[] p = spec.split(":");
            s.add(new SessionView(p[0], "tiny", Lifecycle.valueOf(p[1]), Residency.valueOf(p[2]), Integer.parseInt(p[3]),
                    1000, 0, 0));
        }
        return new ClusterSnapshot(0, 4, 4, gpus, new BudgetBounds(1, 8), g, s,
                new DemandStats(s.size(), 0, 60_000_000_000L, List.of(), 0, 0), LINEAR);
    }
}
