package io.turboserve.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.placement.LeastLoadedPlacement;
import org.junit.jupiter.api.Test;

/**
 * The simulator at the largest cluster of the suite (64 GPUs, peak active 0.8 × 64 × 4), on a
 * shorter workload than the 30-minute speed smoke ({@link SimulationSpeed}) so that the module's
 * tests stay fast. Prints the speed; asserts nothing about time.
 */
class SimulationScaleTest {

    @Test
    void sixtyFourGpusReplayWithoutRefusalsAndPrintTheSpeed() {
        int gpus = 64;
        int target = Workloads.targetPeakActive(gpus, 4);
        Workload w = SyntheticWorkload.generate(42, target, 5 * 60_000_000_000L);
        RunResult r = Simulation.run(w, SimSettings.analytic(gpus), new LeastLoadedPlacement(), SimulationTest.fixed(gpus));
        System.out.printf("64 GPUs, %d s simulated in %.2f s wall: %.0fx real time (%d events, %d chunks)%n",
                (long) r.simulatedSeconds(), r.wallNanos() / 1e9, r.speedup(), r.events(), r.chunks());
        assertEquals(0, r.refusedEvents());
        assertEquals(gpus, r.peakGpus());
        assertEquals(gpus * r.simulatedSeconds(), r.gpuSeconds(), 1e-6);
        assertTrue(r.chunks() > 100_000, "chunks " + r.chunks());
        // 204 active sessions at peak fit in 256 slots: one step serves at most 4, so no chunk
        // waits more than a few steps plus a state transfer.
        assertTrue(r.worstNanos() < 1_000_000_000L, "worst " + r.worstNanos());
    }
}
