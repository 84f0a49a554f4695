package io.turboserve.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.PolicyState;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryGreedyPlacementTest {
    private static final long GB = 1_000_000_000L;

    @Test
    void eachSessionGoesWhereTheMostMemoryIsLeftCountingThisPlan() {
        // Free memory 10, 12, 12 GB; GPU 3 has 20 GB but all 4 slots taken. States of 4 GB.
        // a: 12 on 1 and 2 -> lower id 1 (now 8).  b: 12 on 2 -> 2 (now 8).
        // c: 10 on 0 beats 8 -> 0 (now 6).          d: 8 on 1 and 2 -> lower id 1.
        ClusterSnapshot snap = Snapshots.cluster(4).stateBytes(4 * GB).memory(0, 10 * GB).memory(1, 12 * GB)
                .memory(2, 12 * GB).memory(3, 20 * GB)
                .sessions("f0:ACTIVE:RESIDENT:3", "f1:ACTIVE:RESIDENT:3", "f2:ACTIVE:RESIDENT:3", "f3:IDLE:RESIDENT:3",
                        "a:ACTIVE:NONE:-1", "b:ACTIVE:OFFLOADED:-1", "c:ACTIVE:NONE:-1", "d:ACTIVE:NONE:-1")
                .build();
        PlacementResult r = new MemoryGreedyPlacement().plan(snap, PolicyState.NONE);
        assertEquals(List.of(new Placement("a", 1), new Placement("b", 2), new Placement("c", 0), new Placement("d", 1)),
                r.plan().placements());
        assertEquals(List.of("f3"), r.plan().offloads(), "idle resident sessions are offloaded");
        assertEquals(List.of(), r.plan().migrations());
        assertEquals("memory-greedy", new MemoryGreedyPlacement().name());
    }

    @Test
    void theStateSizeOfEachSessionCounts() {
        // Free 10 and 9 GB. a (6 GB) -> 0 (10 > 9), leaving 4; b (1 GB) -> 1 (9 > 4), leaving 8;
        // c (1 GB) -> 1 again (8 > 4).
        ClusterSnapshot snap = Snapshots.cluster(2).memory(0, 10 * GB).memory(1, 9 * GB)
                .sessions("a:ACTIVE:NONE:-1:6000000000", "b:ACTIVE:NONE:-1:1000000000", "c:ACTIVE:NONE:-1:1000000000")
                .build();
        assertEquals(List.of(new Placement("a", 0), new Placement("b", 1), new Placement("c", 1)),
                new MemoryGreedyPlacement().plan(snap, PolicyState.NONE).plan().placements());
    }

    @Test
    void drainingGpusTakeNoSessionsAndFullClustersStop() {
        // GPU 1 drains (most memory, ignored); GPU 0 has 4 slots: 4 of 6 sessions placed.
        ClusterSnapshot snap = Snapshots.cluster(2).state(1, io.turboserve.api.GpuState.DRAINING)
                .memory(1, 100 * GB).sessions("a:ACTIVE:NONE:-1", "b:ACTIVE:NONE:-1", "c:ACTIVE:NONE:-1",
                        "d:ACTIVE:NONE:-1", "e:ACTIVE:NONE:-1", "f:ACTIVE:NONE:-1")
                .build();
        List<Placement> placed = new MemoryGreedyPlacement().plan(snap, PolicyState.NONE).plan().placements();
        assertEquals(4, placed.size());
        placed.forEach(p -> assertEquals(0, p.gpu()));
    }
}
