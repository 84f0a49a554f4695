package io.turboserve.core.controller;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bottleneckAt(M)}: asks the active placement policy to place every active session on M
 * empty GPUs, and returns the worst predicted chunk latency of that placement. Active sessions left
 * without a GPU make the answer effectively infinite.
 */
final class Whatif {
    /** What "some active session would have no GPU" costs: far above any real latency. */
    static final long UNPLACED = Long.MAX_VALUE / 4;

    private final ControllerConfig config;
    private final LatencyModel latency;
    private final PlacementPolicy placement;

    Whatif(ControllerConfig config, LatencyModel latency, PlacementPolicy placement) {
        this.config = config;
        this.latency = latency;
        this.placement = placement;
    }

    long bottleneckAt(ClusterSnapshot now, int m) {
        if (m <= 0) {
            return now.activeSessions() == 0 ? 0 : UNPLACED;
        }
        List<GpuView> gpus = new ArrayList<>();
        for (int g = 0; g < m; g++) {
            gpus.add(new GpuView(g, GpuState.READY, config.sessionsPerGpu(), Long.MAX_VALUE, now.nowNanos()));
        }
        List<SessionView> active = new ArrayList<>();
        for (SessionView s : now.sessions()) {
            if (s.lifecycle() == Lifecycle.ACTIVE) {
                active.add(new SessionView(s.id(), s.model(), s.lifecycle(), Residency.NONE, -1, s.stateBytes(),
                        s.lifecycleSinceNanos(), s.chunksDelivered()));
            }
        }
        int[] counts = new int[m];
        int placed = 0;
        if (placement == null) {
            for (int i = 0; i < active.size(); i++) {
                counts[i % m]++;
            }
            placed = active.size();
        } else {
            ClusterSnapshot hypothetical = new ClusterSnapshot(now.nowNanos(), now.sessionsPerGpu(), now.maxBatch(), m,
                    now.bounds(), gpus, active, now.demand(), latency);
            for (Placement p : placement.plan(hypothetical, PolicyState.NONE).plan().placements()) {
                if (p.gpu() >= 0 && p.gpu() < m && counts[p.gpu()] < config.sessionsPerGpu()) {
                    counts[p.gpu()]++;
                    placed++;
                }
            }
        }
        if (placed < active.size()) {
            return UNPLACED;
        }
        long worst = 0;
        for (int g = 0; g < m; g++) {
            worst = Math.max(worst, latency.chunkNanos(g, counts[g]));
        }
        return worst;
    }
}
