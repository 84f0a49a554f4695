package io.turboserve.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.autoscaler.FixedAutoscaling;
import io.turboserve.placement.LeastLoadedPlacement;
import io.turboserve.placement.RoundRobinPlacement;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulationTest {
    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;
    /** The reference analytic model's step times (LatencyProfilesTest has the arithmetic). */
    static final long STEP1 = 63_465_000L;
    static final long STEP2 = 121_840_000L;
    /** 1 ms to create a state; 256 MiB over 55 GB/s = 4.880645 ms to offload or restore. */
    static final long CREATE = Simulation.CREATE_STATE_NANOS;
    static final long HOST_COPY = 4_880_645L;

    static AutoscalingPolicy fixed(int gpus) {
        return new FixedAutoscaling(PolicyConfigs.of(FixedAutoscaling.Config.class, Map.of("budget", gpus)));
    }

    /** A hand-written workload, events in the order written. */
    static final class Script {
        private final List<TraceEvent> events = new ArrayList<>();

        Script arrive(long at, String id, boolean active) {
            events.add(new TraceEvent(at, events.size(), TraceEvent.Type.SESSION_ARRIVAL, id, "u-" + id, active));
            return this;
        }

        Script active(long at, String id) {
            events.add(new TraceEvent(at, events.size(), TraceEvent.Type.USER_ACTIVE, id, "u-" + id, false));
            return this;
        }

        Script idle(long at, String id) {
            events.add(new TraceEvent(at, events.size(), TraceEvent.Type.USER_IDLE, id, "u-" + id, false));
            return this;
        }

        Script depart(long at, String id) {
            events.add(new TraceEvent(at, events.size(), TraceEvent.Type.SESSION_DEPARTURE, id, "u-" + id, false));
            return this;
        }

        Workload until(long duration) {
            return new Workload("script", "hand-written", duration, events);
        }
    }

    @Test
    void oneSessionAloneOnOneGpuGetsAChunkEveryStep() {
        Workload w = new Script().arrive(1 * S, "a", true).idle(11 * S, "a").depart(20 * S, "a").until(30 * S);
        RunResult r = Simulation.run(w, SimSettings.analytic(1), new LeastLoadedPlacement(), fixed(1));
        // The GPU is asked for and ready at 0 (no cold start). At 1 s the session is placed; its
        // state exists at 1.001 s; each step then serves it alone: 63.465 ms.
        // Chunk k is delivered at 1.001 + (k + 1) × 0.063465 s. Before the idle at 11 s:
        // (k + 1) ≤ 9.999 / 0.063465 = 157.55 → 157 chunks; the 158th step started at
        // 10.964005 s is running at 11 s and still delivers (11.02747 s) → 158 chunks.
        assertEquals(158, r.chunks());
        // Chunk 0 waited for the state: 1 ms + 63.465 ms; every later chunk is one step.
        assertEquals(CREATE + STEP1, r.worstNanos());
        // The longest step counts no wait: it is the model's time for one session.
        assertEquals(STEP1, r.worstStepNanos());
        assertEquals(STEP1, r.p50Nanos());
        assertEquals(STEP1, r.p99Nanos());
        assertEquals(CREATE + STEP1, r.ttfcP50Nanos());
        assertEquals(CREATE + STEP1, r.ttfcWorstNanos());
        assertEquals(1.0, r.sloAttainment());
        assertEquals(0, r.stalls());
        // The idle session is offloaded once its running step ends; it never comes back.
        assertEquals(1, r.offloads());
        assertEquals(0, r.restores());
        assertEquals(0, r.migrations());
        // Active without a state on a GPU: the 1 ms of creation.
        assertEquals(0.001, r.unplacedActiveSeconds(), 1e-12);
        // One GPU from 0 to 30 s.
        assertEquals(30.0, r.gpuSeconds(), 1e-12);
        assertEquals(1, r.peakGpus());
        // Ticks at 1..29 s (before the end), and 4 lifecycle calls (created, activated, idle, closed).
        assertEquals(29, r.timeline().size());
        assertEquals(33, r.decisions());
        assertEquals(1, r.activations());
        assertEquals(0, r.activationsUnserved());
        assertEquals(0, r.refusedEvents());
        assertEquals(158, r.histogram().total());
        // 63.465 and 64.465 ms both fall into the 60–70 ms bucket.
        assertEquals(158, r.histogram().counts()[6]);
        assertEquals(30.0, r.simulatedSeconds());
        TimelineSample at5 = r.timeline().get(4);
        assertEquals(new TimelineSample(5.0, 1, 1, 1, 1, 0, 0), at5);
        assertEquals(new TimelineSample(12.0, 1, 1, 0, 1, 0, 0), r.timeline().get(11));
    }

    @Test
    void twoSessionsOnOneGpuShareCoalescedSteps() {
        Workload w = new Script().arrive(1 * S, "a", true).arrive(1 * S, "b", true).idle(11 * S, "a").idle(11 * S, "b")
                .until(20 * S);
        RunResult r = Simulation.run(w, SimSettings.analytic(1), new LeastLoadedPlacement(), fixed(1));
        // Both states exist at 1.001 s, a's first: a's first step runs alone (63.465 ms, until
        // 1.064465 s). Then every step serves both: 121.84 ms. b's first chunk waited from 1 s to
        // 1.064465 + 0.12184 = 1.186305 s: the worst latency.
        assertEquals(1_186_305_000L - 1 * S, r.worstNanos());
        // b's worst chunk waited for a's first step; the longest step is one of two sessions.
        assertEquals(STEP2, r.worstStepNanos());
        assertEquals(STEP2, r.p50Nanos());
        // Steps of two end at 1.064465 + k × 0.12184 s: k ≤ 9.935535 / 0.12184 = 81.5 before the
        // idle, and the 82nd (running at 11 s) still delivers: a has 1 + 82 chunks, b 82.
        assertEquals(165, r.chunks());
        assertEquals(2, r.offloads());
        assertEquals(2, r.activations());
        assertEquals(0, r.stalls());
    }

    @Test
    void idleSessionsAreOffloadedAndRestoredOnReturn() {
        Workload w = new Script().arrive(1 * S, "a", true).idle(6 * S, "a").active(11 * S, "a").idle(16 * S, "a")
                .depart(21 * S, "a").until(25 * S);
        RunResult r = Simulation.run(w, SimSettings.analytic(1), new LeastLoadedPlacement(), fixed(1));
        assertEquals(2, r.offloads());
        assertEquals(1, r.restores());
        assertEquals(2, r.activations());
        // Unplaced while active: 1 ms creating the state, then 4.880645 ms restoring it.
        assertEquals((CREATE + HOST_COPY) / 1e9, r.unplacedActiveSeconds(), 1e-12);
        // The first chunk after the return waited for the restore.
        assertEquals(HOST_COPY + STEP1, r.worstNanos());
        assertEquals(CREATE + STEP1, r.ttfcP50Nanos());
        assertEquals(HOST_COPY + STEP1, r.ttfcWorstNanos());
    }

    @Test
    void aMigrationMovesTheStateAndItsWaitCountsInTheChunk() {
        Workload w = new Script().arrive(1 * S, "a", true).arrive(1 * S, "b", true).until(5 * S);
        RunResult r = Simulation.run(w, SimSettings.analytic(2), new PackThenSpreadPlacement(), fixed(2));
        // Both go to GPU 0; their states exist at 1.001 s, a's first, and a's step starts alone.
        // With both resident the policy moves b to the empty GPU 1: 8 ms + 256 MiB / 32 GB/s =
        // 16.388608 ms, so b's first chunk comes at 1.001 + 0.016388608 + 0.063465 s.
        long migration = 16_388_608L;
        assertEquals(1, r.migrations());
        assertEquals(migration / 1e9, r.migrationSeconds(), 1e-12);
        // b's first chunk (asked for at its activation) waited for its state's creation and the
        // copy, no step: GPU 1 was idle.
        assertEquals(CREATE + migration, r.migrationWaitMeanNanos());
        assertEquals(CREATE + migration, r.migrationWaitMaxNanos());        assertEquals(CREATE + migration + STEP1, r.worstNanos());
        assertEquals(CREATE + migration + STEP1, r.ttfcWorstNanos());
        // From then on each is alone on its GPU (a's first chunk, 64.465 ms, is the p99 of ~125).
        assertEquals(STEP1, r.p50Nanos());
        assertEquals(CREATE + STEP1, r.p99Nanos());
        // Unplaced: a 1 ms, b 1 ms + the migration.
        assertEquals((2 * CREATE + migration) / 1e9, r.unplacedActiveSeconds(), 1e-12);
        assertEquals(1, r.timeline().get(2).migrations());
        assertEquals(0, r.rejectedPlanItems());
    }

    @Test
    void stallsAreCountedWhenAGpuIsOverloaded() throws IOException {
        // wan-1.3b with an 18-frame window on an H200: a step of 1 / 2 / 4 sessions takes 404.4 /
        // 746.1 / 1496.0 ms. A chunk is 0.75 s of video, so two sessions on one GPU keep up
        // (746.1 < 750) and four do not: every chunk after the first falls further behind.
        LatencyProfile p = LatencyProfiles.measured(LatencyProfiles.H200_REFERENCE, "wan-1.3b", 18);
        SimSettings settings = SimSettings.analytic(1).withProfile(p);
        Script two = new Script();
        Script four = new Script();
        for (String id : List.of("a", "b", "c", "d")) {
            four.arrive(1 * S, id, true);
            if (id.equals("a") || id.equals("b")) {
                two.arrive(1 * S, id, true);
            }
        }
        RunResult ok = Simulation.run(two.until(60 * S), settings, new LeastLoadedPlacement(), fixed(1));
        RunResult overloaded = Simulation.run(four.until(60 * S), settings, new LeastLoadedPlacement(), fixed(1));
        assertEquals(0, ok.stalls());
        assertTrue(ok.chunks() > 100, "two sessions: " + ok.chunks());
        assertTrue(overloaded.stalls() >= overloaded.chunks() - 8,
                () -> overloaded.stalls() + " stalls for " + overloaded.chunks() + " chunks");
        assertTrue(overloaded.sloAttainment() < 0.05, "1.496 s steps miss a 1 s SLO: " + overloaded.sloAttainment());
        assertEquals(1_496_000_000L, overloaded.p50Nanos());
    }

    @Test
    void aFixedBudgetCostsGpusTimesDuration() {
        Workload demo = Workloads.demoTrace();
        RunResult r = Simulation.run(demo, SimSettings.analytic(4), new LeastLoadedPlacement(), fixed(4));
        // Four GPUs asked for at 0 and held for the 1,800 s of the trace.
        assertEquals(4 * 1800.0, r.gpuSeconds(), 1e-9);
        assertEquals(4, r.peakGpus());
        assertEquals(0, r.refusedEvents());
        assertEquals(r.chunks(), r.histogram().total());
        assertEquals(1799, r.timeline().size());
        // K = 4 on 4 GPUs holds the demo's peak of 12 active sessions: latency is one step of at
        // most 4 sessions plus waits for state, far below the 1 s SLO.
        assertEquals(1.0, r.sloAttainment());
        assertTrue(r.worstNanos() < 1 * S, "worst " + r.worstNanos());
        assertTrue(r.offloads() > 0 && r.restores() > 0);
    }

    @Test
    void aColdStartDelaysTheFirstChunkAndIsPaidFor() {
        Workload w = new Script().arrive(1 * S, "a", true).until(60 * S);
        RunResult r = Simulation.run(w, SimSettings.analytic(1).withColdStart(30 * S).withWarmStart(false),
                new LeastLoadedPlacement(), fixed(1));
        // The GPU asked for at 0 is ready at 30 s: the session waits 29 s, then 1 ms + one step.
        assertEquals(29 * S + CREATE + STEP1, r.ttfcP50Nanos());
        assertEquals(60.0, r.gpuSeconds(), 1e-12);
        assertEquals((29 * S + CREATE) / 1e9, r.unplacedActiveSeconds(), 1e-9);
        assertEquals(0, r.timeline().get(10).gpusReady());
        assertEquals(1, r.timeline().get(10).gpusProvisioned());
    }

    @Test
    void aWarmStartHasTheInitialBudgetReadyAndColdStartsOnlyLaterGpus() {
        // Five sessions on K = 4 with a budget of 2: fixed(2) holds both from the start, ready at 0.
        Script s = new Script();
        for (int i = 0; i < 5; i++) {
            s.arrive(1 * S, "s" + i, true);
        }
        RunResult fixedTwo = Simulation.run(s.until(60 * S), SimSettings.analytic(2).withColdStart(30 * S),
                new LeastLoadedPlacement(), fixed(2));
        assertEquals(0, fixedTwo.unplacedActiveSeconds(), 1e-2, "no session waits for a GPU");
        assertEquals(120.0, fixedTwo.gpuSeconds(), 1e-12, "both paid from 0");
        // An autoscaler that holds one GPU with no session asks for the second at 1 s: it waits 30 s.
        RunResult scaled = Simulation.run(s.until(60 * S), SimSettings.analytic(2).withColdStart(30 * S),
                new LeastLoadedPlacement(), new io.turboserve.autoscaler.TurboserveAutoscaling(
                        io.turboserve.autoscaler.TurboserveAutoscaling.Settings.defaults()));
        assertEquals(1, scaled.timeline().get(0).gpusReady(), "the minimum budget, ready at 0");
        assertEquals(30.0, scaled.unplacedActiveSeconds(), 0.1, "the fifth session waits the cold start");
    }

    @Test
    void aSessionThatNeverGetsAChunkIsCountedUnserved() {
        // Four GPUs' worth of sessions on one GPU with K = 4: the fifth waits; it goes idle unserved.
        Script s = new Script();
        for (int i = 0; i < 5; i++) {
            s.arrive(1 * S, "s" + i, true);
        }
        s.idle(3 * S, "s4");
        RunResult r = Simulation.run(s.until(10 * S), SimSettings.analytic(1), new LeastLoadedPlacement(), fixed(1));
        assertEquals(5, r.activations());
        assertEquals(1, r.activationsUnserved());
        // s4 was active and unplaced from 1 s to 3 s (plus 4 × 1 ms of the others' creation).
        assertEquals(2.0 + 4 * CREATE / 1e9, r.unplacedActiveSeconds(), 1e-9);
    }

    @Test
    void theSameInputsGiveTheSameResult() {
        Workload w = Workloads.scaleTo(Workloads.demoTrace(), 25);
        SimSettings settings = SimSettings.analytic(8);
        RunResult a = Simulation.run(w, settings, new RoundRobinPlacement(), fixed(8));
        RunResult b = Simulation.run(w, settings, new RoundRobinPlacement(), fixed(8));
        assertEquals(a.withoutTimings(), b.withoutTimings());
        assertTrue(a.chunks() > 0);
        RunResult c = Simulation.run(w, settings, new LeastLoadedPlacement(), fixed(8));
        assertNotEquals(a.withoutTimings(), c.withoutTimings());
    }

    @Test
    void everyReportStatesItsParameters() {
        Workload w = new Script().arrive(1 * S, "a", true).until(3 * S);
        RunResult r = Simulation.run(w, SimSettings.analytic(2), new LeastLoadedPlacement(), fixed(1));
        assertEquals("least-loaded", r.parameters().get("placement"));
        assertEquals("fixed", r.parameters().get("autoscaling"));
        assertEquals("1..2", r.parameters().get("gpus"));
        assertEquals("63.465 / 121.84 / 182.465 / 245.34", r.parameters().get("step_ms_b1..b4"));
        assertEquals("4.8806", r.parameters().get("offload_ms"));
        assertEquals("1", r.parameters().get("create_state_ms"));
    }

    @Test
    void settingsAreValidated() {
        SimSettings s = SimSettings.analytic(4);
        assertThrows(IllegalArgumentException.class, () -> s.withGpus(5, 4));
        assertThrows(IllegalArgumentException.class, () -> s.withColdStart(-1));
        assertEquals(30 * S, s.withColdStart(30 * S).coldStartNanos());
        assertEquals(HOST_COPY, s.hostCopyNanos(s.stateBytes()));
    }

    @Test
    void policyConfigsFillDefaultsAndRejectUnknownAttributes() {
        FixedAutoscaling.Config c = PolicyConfigs.of(FixedAutoscaling.Config.class, Map.of());
        assertEquals(4, c.budget());
        assertEquals(16, PolicyConfigs.of(FixedAutoscaling.Config.class, Map.of("budget", 16)).budget());
        assertThrows(IllegalArgumentException.class, () -> PolicyConfigs.of(FixedAutoscaling.Config.class,
                Map.of("budgte", 16)));
        assertThrows(IllegalArgumentException.class, () -> PolicyConfigs.of(FixedAutoscaling.Config.class,
                Map.of("budget", "16")));
        PlacementPolicy p = new LeastLoadedPlacement();
        assertEquals("least-loaded", p.name());
    }
}
