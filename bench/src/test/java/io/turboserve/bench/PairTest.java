package io.turboserve.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.sim.RunResult;
import io.turboserve.sim.SimSettings;
import io.turboserve.sim.Simulation;
import io.turboserve.sim.Workload;
import io.turboserve.sim.Workloads;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairTest {
    @Test
    void parsesPairsWithAndWithoutMemoryAdmission() {
        Pair ts = Pair.parse(" turboserve/turboserve ");
        assertEquals("turboserve", ts.placement());
        assertEquals("turboserve", ts.autoscaling());
        assertFalse(ts.memoryAdmission());

        Pair base = Pair.parse(Report.BASE);
        assertEquals("round-robin", base.placement());
        assertEquals("fixed", base.autoscaling());
        assertTrue(base.memoryAdmission());
        assertEquals("round-robin/fixed:memory", base.label());

        Pair atBudget = Pair.parse("least-loaded/fixed@6:memory");
        assertEquals("fixed@6", atBudget.autoscaling());
        assertTrue(atBudget.memoryAdmission());
    }

    @Test
    void refusesMalformedPairsNamingTheForm() {
        for (String bad : List.of("round-robin", "round-robin/", "/fixed", "a/b/c", "round-robin/fixed:mem", "round-robin/fixed:",
                "round-robin/fixed/", "round-robin/fixed/:memory")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pair.parse(bad), bad);
            assertTrue(e.getMessage().contains("PLACEMENT/AUTOSCALING[:memory]"), e.getMessage());
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void memoryAdmissionLetsAGpuTakeWhatItsMemoryHolds() {
        SimSettings analytic = SimSettings.analytic(8);
        SimSettings memory = ScenarioRunner.memoryAdmission(analytic, 10_000);
        long fit = Simulation.GPU_MEMORY_BYTES / analytic.stateBytes();
        assertEquals(525, fit);
        assertEquals(fit, memory.sessionsPerGpu());
        assertEquals(fit, memory.maxBatch());
        assertEquals(analytic.latency(), memory.latency(), "the latency model stays the scenario's");
    }

    @Test
    void memoryAdmissionIsAtLeastKAndAtMostThePeakOfActiveSessions() {
        SimSettings analytic = SimSettings.analytic(8);
        // A tiny state: as many sessions as are ever active, not billions.
        SimSettings tiny = ScenarioRunner.memoryAdmission(analytic.withLatency(analytic.latency(), 1), 25);
        assertEquals(25, tiny.sessionsPerGpu());
        assertEquals(25, tiny.maxBatch());
        // A state so big that fewer than K fit: the simulator sizes GPUs for K states, so K.
        SimSettings huge = ScenarioRunner.memoryAdmission(analytic.withLatency(analytic.latency(), 100_000_000_000L), 25);
        assertEquals(4, huge.sessionsPerGpu());
        assertTrue(tiny.describe().get("step_ms_b1..b8").split(" / ").length == 8, "the report shows 8 step times, not 25");
    }

    @Test
    void theBaseWithoutKLoadsGpusPastKAndPaysForItInLatency() {
        SimSettings settings = SimSettings.analytic(16);
        Workload demo = Workloads.scaleTo(Workloads.demoTrace(), Workloads.targetPeakActive(16, 4), 1);
        Scenario scenario = new Scenario("demo", "demo", demo, settings, "analytic", Map.of());
        ScenarioRunner.Outcome o = ScenarioRunner.run(scenario,
                List.of(Pair.parse(Report.BASE), Pair.parse(Report.CAPPED_BASE)));
        RunResult paper = Report.find(o.results(), Report.BASE);
        RunResult capped = Report.find(o.results(), Report.CAPPED_BASE);
        assertEquals(paper.gpuSeconds(), capped.gpuSeconds(), "both run on TurboServe's peak budget");
        // Held to K = 4 no step is slower than the model's 245 ms at four sessions, so no chunk waits
        // for more than two of them; without K, some GPU coalesces more and its chunks take longer.
        long twoStepsAtK = 2 * settings.latency().chunkNanos(0, 4);
        assertTrue(capped.worstNanos() <= twoStepsAtK, capped.summary());
        assertTrue(paper.worstNanos() > twoStepsAtK, paper.summary());
    }
}
