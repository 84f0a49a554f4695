package com.example.turboserve.packfirst;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Pack-first placement, the kind of policy a vendor ships: each session that needs a GPU goes to
 * the fullest ready GPU that still has a free slot (lowest id on ties), so that emptied GPUs can be
 * released sooner; idle resident sessions are offloaded. Hot-deploy the bundle (drop it into the
 * server's {@code deploy/} folder) and select it with {@code placementPolicy=pack-first}.
 */
@Component(property = PlacementPolicy.POLICY_NAME + "=" + PackFirstPlacement.NAME)
public final class PackFirstPlacement implements PlacementPolicy {
    public static final String NAME = "pack-first";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        Map<Integer, Integer> used = new HashMap<>();
        for (GpuView g : snapshot.gpus()) {
            if (g.acceptsSessions()) {
                used.put(g.id(), snapshot.occupancy(g.id()));
            }
        }
        List<Placement> placements = new ArrayList<>();
        List<String> offloads = new ArrayList<>();
        for (SessionView s : snapshot.sessions()) {
            if (s.lifecycle() == Lifecycle.IDLE && s.residency() == Residency.RESIDENT) {
                offloads.add(s.id());
            }
            if (!s.needsPlacement()) {
                continue;
            }
            int best = -1;
            for (Map.Entry<Integer, Integer> e : used.entrySet()) {
                int n = e.getValue();
                if (n < snapshot.sessionsPerGpu()
                        && (best < 0 || n > used.get(best) || (n == used.get(best) && e.getKey() < best))) {
                    best = e.getKey();
                }
            }
            if (best >= 0) {
                used.merge(best, 1, Integer::sum);
                placements.add(new Placement(s.id(), best));
            }
        }
        return new PlacementResult(new Plan(placements, List.of(), offloads), PolicyState.NONE);
    }
}
