package io.turboserve.placement;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Slots taken per ready GPU while a plan is being built: what the snapshot says plus what the plan
 * has placed so far. Shared by the baseline policies, which differ only in which GPU they pick.
 */
final class Occupancy {
    private final Map<Integer, Integer> used = new TreeMap<>();
    private final Map<Integer, Integer> capacity = new TreeMap<>();

    Occupancy(ClusterSnapshot snapshot) {
        for (GpuView g : snapshot.gpus()) {
            if (g.acceptsSessions()) {
                used.put(g.id(), snapshot.occupancy(g.id()));
                capacity.put(g.id(), Math.min(g.capacity(), snapshot.sessionsPerGpu()));
            }
        }
    }

    /** @return ready GPU ids, ascending. */
    List<Integer> gpus() {
        return new ArrayList<>(used.keySet());
    }

    boolean hasRoom(int gpu) {
        return used.get(gpu) < capacity.get(gpu);
    }

    int used(int gpu) {
        return used.get(gpu);
    }

    void take(int gpu) {
        used.merge(gpu, 1, Integer::sum);
    }

    /** @return sessions that are idle but still hold a GPU slot: the paper offloads them at once. */
    static List<String> idleResident(ClusterSnapshot snapshot) {
        List<String> ids = new ArrayList<>();
        for (SessionView s : snapshot.sessions()) {
            if (s.lifecycle() == Lifecycle.IDLE && s.residency() == Residency.RESIDENT) {
                ids.add(s.id());
            }
        }
        return ids;
    }

    /** @return active sessions without a GPU, in arrival order. */
    static List<SessionView> unplaced(ClusterSnapshot snapshot) {
        List<SessionView> list = new ArrayList<>();
        for (SessionView s : snapshot.sessions()) {
            if (s.needsPlacement()) {
                list.add(s);
            }
        }
        return list;
    }

    static Placement place(SessionView s, int gpu) {
        return new Placement(s.id(), gpu);
    }
}
