package io.turboserve.placement;

import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Component;

/**
 * Memory-greedy placement, a baseline: each session that needs a GPU goes to the ready GPU with a
 * free slot and the most free memory, counting the state already placed there by this plan
 * ({@code memoryFreeBytes − Σ stateBytes placed}), lower id on ties. Idle resident sessions are
 * offloaded. No migrations.
 *
 * <p>Memory is a preference, not a constraint: the controller validates slots, and a GPU short of
 * memory says so through a smaller {@link GpuView#capacity()}.
 */
@Component(property = PlacementPolicy.POLICY_NAME + "=" + MemoryGreedyPlacement.NAME)
public final class MemoryGreedyPlacement implements PlacementPolicy {
    public static final String NAME = "memory-greedy";

    public MemoryGreedyPlacement() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        Occupancy occ = new Occupancy(snapshot);
        Map<Integer, Long> free = new TreeMap<>();
        for (GpuView g : snapshot.gpus()) {
            if (g.acceptsSessions()) {
                free.put(g.id(), g.memoryFreeBytes());
            }
        }
        List<Placement> placements = new ArrayList<>();
        for (SessionView s : Occupancy.unplaced(snapshot)) {
            int best = -1;
            for (int g : occ.gpus()) {
                // Strictly more: ids ascend, so ties stay with the lower id.
                if (occ.hasRoom(g) && (best < 0 || free.get(g) > free.get(best))) {
                    best = g;
                }
            }
            if (best < 0) {
                break;
            }
            occ.take(best);
            free.merge(best, -s.stateBytes(), Long::sum);
            placements.add(Occupancy.place(s, best));
        }
        return new PlacementResult(new Plan(placements, List.of(), Occupancy.idleResident(snapshot)), PolicyState.NONE);
    }
}
