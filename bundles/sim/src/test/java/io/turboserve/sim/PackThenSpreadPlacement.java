package io.turboserve.sim;

import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.List;

/**
 * A test policy that exercises migration on purpose: new sessions go to the lowest GPU with room;
 * when a GPU holds two or more sessions, all resident, and another ready GPU is empty, the last of
 * them moves there.
 */
final class PackThenSpreadPlacement implements PlacementPolicy {
    @Override
    public String name() {
        return "test-pack-then-spread";
    }

    @Override
    public PlacementResult plan(ClusterSnapshot s, PolicyState previous) {
        List<Integer> ready = new ArrayList<>();
        for (GpuView g : s.gpus()) {
            if (g.acceptsSessions()) {
                ready.add(g.id());
            }
        }
        int[] used = new int[ready.isEmpty() ? 0 : ready.get(ready.size() - 1) + 1];
        for (int g : ready) {
            used[g] = s.occupancy(g);
        }
        List<Placement> placements = new ArrayList<>();
        for (SessionView v : s.sessions()) {
            if (v.needsPlacement()) {
                for (int g : ready) {
                    if (used[g] < s.sessionsPerGpu()) {
                        used[g]++;
                        placements.add(new Placement(v.id(), g));
                        break;
                    }
                }
            }
        }
        List<Migration> migrations = new ArrayList<>();
        if (placements.isEmpty()) {
            for (int g : ready) {
                List<SessionView> on = new ArrayList<>();
                boolean allResident = true;
                for (SessionView v : s.sessions()) {
                    if (v.occupies(g)) {
                        on.add(v);
                        allResident &= v.residency() == Residency.RESIDENT;
                    }
                }
                int empty = -1;
                for (int h : ready) {
                    if (used[h] == 0) {
                        empty = h;
                        break;
                    }
                }
                if (on.size() >= 2 && allResident && empty >= 0) {
                    migrations.add(new Migration(on.get(on.size() - 1).id(), g, empty));
                    used[empty]++;
                }
            }
        }
        return new PlacementResult(new Plan(placements, migrations, List.of()), PolicyState.NONE);
    }
}
