package io.turboserve.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.PolicyState;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaselinePlacementTest {

    @Test
    void leastLoadedPicksTheEmptiestGpuLowestIdOnTies() {
        // GPU 0 holds 2, GPU 1 holds 1, GPU 2 holds 1: a goes to 1 (1 < 2, lower id than 2),
        // then b to 2 (now 1 < 2 = GPU 1's 2), then c to 0 (all hold 2; lowest id).
        PlacementResult r = new LeastLoadedPlacement().plan(Snapshots.of(3,
                "x:ACTIVE:RESIDENT:0", "y:ACTIVE:RESIDENT:0", "z:ACTIVE:RESIDENT:1", "w:IDLE:RESIDENT:2",
                "a:ACTIVE:NONE:-1", "b:ACTIVE:OFFLOADED:-1", "c:ACTIVE:NONE:-1"), PolicyState.NONE);
        assertEquals(List.of(new Placement("a", 1), new Placement("b", 2), new Placement("c", 0)), r.plan().placements());
        assertEquals(List.of("w"), r.plan().offloads(), "idle resident sessions are offloaded, as in the paper");
        assertEquals(List.of(), r.plan().migrations());
    }

    @Test
    void leastLoadedStopsWhenEveryGpuIsFull() {
        String[] s = new String[10];
        for (int i = 0; i < 10; i++) {
            s[i] = "s" + i + ":ACTIVE:NONE:-1";
        }
        PlacementResult r = new LeastLoadedPlacement().plan(Snapshots.of(2, s), PolicyState.NONE);
        assertEquals(8, r.plan().placements().size(), "2 GPUs x K=4");
    }

    @Test
    void roundRobinCyclesFromTheCursorAndSkipsFullGpus() {
        // GPU 1 is full (4 resident). Cursor after GPU 0: a goes to 2, b wraps to 0, c to 2.
        PlacementResult r = new RoundRobinPlacement().plan(Snapshots.of(3,
                "p:ACTIVE:RESIDENT:1", "q:ACTIVE:RESIDENT:1", "r:ACTIVE:RESIDENT:1", "t:ACTIVE:RESIDENT:1",
                "a:ACTIVE:NONE:-1", "b:ACTIVE:NONE:-1", "c:ACTIVE:NONE:-1"), new RoundRobinPlacement.Cursor(0));
        assertEquals(List.of(new Placement("a", 2), new Placement("b", 0), new Placement("c", 2)), r.plan().placements());
        assertEquals(new RoundRobinPlacement.Cursor(2), r.next());
    }

    @Test
    void roundRobinStartsAtTheLowestIdWithoutState() {
        PlacementResult r = new RoundRobinPlacement().plan(Snapshots.of(2, "a:ACTIVE:NONE:-1", "b:ACTIVE:NONE:-1",
                "c:ACTIVE:NONE:-1"), PolicyState.NONE);
        assertEquals(List.of(new Placement("a", 0), new Placement("b", 1), new Placement("c", 0)), r.plan().placements());
    }

    @Test
    void sessionsThatAreArrivedIdleOrInTransitAreNotPlaced() {
        PlacementResult r = new LeastLoadedPlacement().plan(Snapshots.of(1, "a:ARRIVED:NONE:-1", "b:IDLE:OFFLOADED:-1",
                "c:ACTIVE:IN_TRANSIT:0"), PolicyState.NONE);
        assertEquals(List.of(), r.plan().placements());
    }
}
