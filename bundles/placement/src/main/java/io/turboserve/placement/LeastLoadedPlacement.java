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
 * Least-loaded greedy placement: each session that needs a GPU goes to the ready GPU with the
 * fewest sessions (lowest id on ties). Idle resident sessions are offloaded. No migrations.
 */
@Component(property = PlacementPolicy.POLICY_NAME + "=" + LeastLoadedPlacement.NAME)
public final class LeastLoadedPlacement implements PlacementPolicy {
    public static final String NAME = "least-loaded";

    public LeastLoadedPlacement() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        Occupancy occ = new Occupancy(snapshot);
        List<Placement> placements = new ArrayList<>();
        for (SessionView s : Occupancy.unplaced(snapshot)) {
            int best = -1;
            for (int g : occ.gpus()) {
                if (occ.hasRoom(g) && (best < 0 || occ.used(g) < occ.used(best))) {
                    best = g;
                }
            }
            if (best < 0) {
                break;
            }
            occ.take(best);
            placements.add(Occupancy.place(s, best));
        }
        return new PlacementResult(new Plan(placements, List.of(), Occupancy.idleResident(snapshot)), PolicyState.NONE);
    }
}
