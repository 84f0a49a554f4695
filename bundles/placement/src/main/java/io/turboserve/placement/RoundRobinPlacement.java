package io.turboserve.placement;

import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * Round-robin placement, the placement of the paper's {@code TurboServe_base}: each session that
 * needs a GPU goes to the next GPU in id order after the last one used that has a free slot. Idle
 * resident sessions are offloaded. No migrations.
 */
@Component(property = PlacementPolicy.POLICY_NAME + "=" + RoundRobinPlacement.NAME)
public final class RoundRobinPlacement implements PlacementPolicy {
    public static final String NAME = "round-robin";

    /** The policy's state: the GPU id the next search starts after (-1: from the lowest id). */
    public record Cursor(int last) implements PolicyState {
    }

    public RoundRobinPlacement() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        int last = previous instanceof Cursor c ? c.last() : -1;
        Occupancy occ = new Occupancy(snapshot);
        List<Integer> gpus = occ.gpus();
        List<Placement> placements = new ArrayList<>();
        for (SessionView s : Occupancy.unplaced(snapshot)) {
            int chosen = -1;
            // Start at the first GPU id above the cursor, wrap around once.
            int start = 0;
            while (start < gpus.size() && gpus.get(start) <= last) {
                start++;
            }
            for (int i = 0; i < gpus.size(); i++) {
                int g = gpus.get((start + i) % gpus.size());
                if (occ.hasRoom(g)) {
                    chosen = g;
                    break;
                }
            }
            if (chosen < 0) {
                break;
            }
            occ.take(chosen);
            placements.add(Occupancy.place(s, chosen));
            last = chosen;
        }
        return new PlacementResult(new Plan(placements, List.of(), Occupancy.idleResident(snapshot)), new Cursor(last));
    }
}
