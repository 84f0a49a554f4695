package io.turboserve.sim;

import static io.turboserve.sim.SimulationTest.S;
import static io.turboserve.sim.SimulationTest.fixed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.placement.BatchingAwarePlacement;
import io.turboserve.placement.PlayoutSlackPlacement;
import org.junit.jupiter.api.Test;

/** Playout-slack scheduling replayed through the controller: sessions with slack lend their slot. */
class PlayoutSlackSimulationTest {

    /** Four sessions fill the one GPU (K 4) from 0 s; a fifth becomes active at 10 s; all leave at 60 s. */
    private static Workload fiveOnFourSlots() {
        SimulationTest.Script s = new SimulationTest.Script();
        for (int i = 0; i < 4; i++) {
            s.arrive(0, "r" + i, true);
        }
        s.arrive(10 * S, "late", true);
        for (int i = 0; i < 4; i++) {
            s.depart(60 * S, "r" + i);
        }
        s.depart(60 * S, "late");
        return s.until(70 * S);
    }

    @Test
    void aSessionWithoutASlotWaitsForOneUnderBatchingAwarePlacement() {
        RunResult r = Simulation.run(fiveOnFourSlots(), SimSettings.analytic(1), new BatchingAwarePlacement(), fixed(1));
        assertEquals(1, r.activationsUnserved(), "the fifth session never gets a chunk");
        assertTrue(r.unplacedActiveSeconds() >= 49, "it waits the 50 s to the end: " + r.unplacedActiveSeconds());
    }

    @Test
    void sessionsWithPlayoutSlackLendTheirSlotsAndNobodyStalls() {
        RunResult r = Simulation.run(fiveOnFourSlots(), SimSettings.analytic(1), new PlayoutSlackPlacement(), fixed(1));
        assertEquals(0, r.activationsUnserved());
        // Four sessions on one GPU make 750 ms of video in about 250 ms: by 10 s each has some 20 s
        // of unwatched video, so five can take turns on four slots without a stall. A chunk waits
        // at most a swap: its 1 s threshold, the next decision (a 1 s tick), two host copies of
        // about 5 ms and the steps ahead of it.
        assertEquals(0, r.stalls());
        assertTrue(r.worstNanos() < 3 * S, "worst chunk " + r.worstNanos() / 1e9 + " s");
        assertTrue(r.offloads() > 0 && r.restores() > 0, "the slots are lent by offload and restore");
        // About one swap a tick while one session is short of a slot (39 in 50 s): turns, not churn.
        assertTrue(r.offloads() <= 55, "offloads " + r.offloads());
        // One of the five is still off a GPU at every moment (some 50 s in all), just never the same one for long.
        assertTrue(r.unplacedActiveSeconds() >= 49, "unplaced " + r.unplacedActiveSeconds());
    }
}
