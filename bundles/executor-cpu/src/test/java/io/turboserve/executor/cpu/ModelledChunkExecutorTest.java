package io.turboserve.executor.cpu;

import static io.turboserve.executor.cpu.CpuChunkExecutorTest.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.ExecutorException.Kind;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelledChunkExecutorTest {
    private static final long STATE_BYTES = 268_435_456L;

    private final List<Long> pauses = new ArrayList<>();
    private final ModelledChunkExecutor executor = executor(Map.of());

    private ModelledChunkExecutor executor(Map<String, Object> overrides) {
        return new ModelledChunkExecutor(Configs.of(ModelledChunkExecutor.Config.class, overrides), pauses::add);
    }

    private static SessionSpec spec(long seed) {
        return new SessionSpec("tenant", "tiny", "a prompt", seed, Map.of());
    }

    @Test
    void theReferenceFormulaGivesThePublishedLatencies() {
        // base = 180 × 0.65 × max(0.5, √(9/64) = 0.375) + 0.015 × 256 = 58.5 + 3.84 = 62.34
        // n=1: 62.34 + 0 + 18 × (1/4)² = 63.465      n=2: 62.34 + 55 + 18 × (2/4)² = 121.84
        // n=3: 62.34 + 110 + 18 × (3/4)² = 182.465   n=4: 62.34 + 165 + 18 = 245.34
        ModelledLatency latency = ModelledLatency.reference();
        double[] expected = {63.5, 121.8, 182.5, 245.3};
        for (int n = 1; n <= 4; n++) {
            assertEquals(expected[n - 1], latency.stepMillis(n), 0.05, "n = " + n);
        }
        assertEquals(63_465_000L, latency.stepNanos(1));
    }

    @Test
    void theConfigurationDefaultsAreTheReferenceModel() {
        assertEquals(ModelledLatency.reference(), executor.latency());
        assertEquals(new ExecutorInfo("modelled", "tiny", 64, 4 * STATE_BYTES, 4, 4), executor.info());
    }

    @Test
    void aStepWaitsTheModelledTimeAndReportsIt() throws ExecutorException {
        StateHandle a = executor.create(63, "a", spec(1));
        StateHandle b = executor.create(63, "b", spec(2));
        StepResult result = executor.step(63, List.of(new StepItem(spec(1), a, 0), new StepItem(spec(2), b, 0)));
        long modelled = ModelledLatency.reference().stepNanos(2);
        assertEquals(List.of(modelled), pauses);
        assertEquals(modelled, result.computeNanos());
        assertEquals(64, result.outputs().get(0).payload().length);
        assertArrayEquals(ModelledChunkExecutor.payload(1, 0), result.outputs().get(0).payload());
        assertFalse(Arrays.equals(result.outputs().get(0).payload(), result.outputs().get(1).payload()));
    }

    @Test
    void statesReportTheirModelledSizeAndSurviveOffloadAndMigration() throws ExecutorException {
        assertEquals(STATE_BYTES, executor.stateBytes(spec(1)));
        StateHandle h = executor.create(0, "s", spec(1));
        assertEquals(STATE_BYTES, h.bytes());
        executor.step(0, List.of(new StepItem(spec(1), h, 0)));

        ByteArraySlot slot = new ByteArraySlot("s", STATE_BYTES, 64);
        executor.copyToHost(h, slot);
        executor.free(h);
        StateHandle restored = executor.allocate(5, "s", STATE_BYTES);
        executor.copyFromHost(slot, restored);
        assertInvalid(() -> executor.step(5, List.of(new StepItem(spec(1), restored, 0))), "state is at chunk 1");
        executor.step(5, List.of(new StepItem(spec(1), restored, 1)));

        StateHandle target = executor.allocate(9, "s", STATE_BYTES);
        executor.copyDevice(restored, target);
        StateHandle committed = restored.movedTo(9, target.address());
        executor.free(restored);
        StepResult result = executor.step(9, List.of(new StepItem(spec(1), committed, 2)));
        assertArrayEquals(ModelledChunkExecutor.payload(1, 2), result.outputs().get(0).payload());
    }

    @Test
    void budgetAndBatchLimitsHold() throws ExecutorException {
        for (int i = 0; i < 4; i++) {
            executor.create(0, "s" + i, spec(i));
        }
        ExecutorException e = assertThrows(ExecutorException.class, () -> executor.create(0, "s4", spec(4)));
        assertEquals(Kind.OUT_OF_MEMORY, e.kind());
        StateHandle h = executor.create(1, "x", spec(9));
        List<StepItem> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(new StepItem(spec(9), h, 0));
        }
        assertInvalid(() -> executor.step(1, five), "maxBatch");
        assertInvalid(() -> executor.create(64, "y", spec(1)), "no gpu 64");
        assertInvalid(() -> executor.create(1, "y", new SessionSpec("t", "wan-14b", "p", 1, Map.of())), "wan-14b");
        assertTrue(pauses.isEmpty(), "refused steps do not wait");
    }

    private static ModelledChunkExecutor.Settings configure(Map<String, Object> overrides) {
        return ModelledChunkExecutor.configure(Configs.of(ModelledChunkExecutor.Config.class, overrides));
    }

    @Test
    void badConfigurationIsRefusedNamingPidPropertyAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configure(Map.of("baseMs", -1.0)));
        assertEquals("io.turboserve.executor.cpu.modelled: baseMs must be a finite number ≥ 0, got -1.0",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> configure(Map.of("contentionSessions", 0.0)));
        assertTrue(e.getMessage().contains("contentionSessions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> configure(Map.of("stateBytes", 10L)));
        assertTrue(e.getMessage().contains("stateBytes"), e.getMessage());
    }

    @Test
    void anInvalidEditRestartsTheExecutorWithItsPreviousConfigurationNotWithout() {
        // DS replaces the component on each edit: the replacement of an invalid one starts as the
        // last one did, with the same state size, so the states offloaded from it restore.
        ModelledChunkExecutor first = executor(Map.of("devices", 3, "stateBytes", 1L << 20));
        first.deactivate();
        ModelledChunkExecutor replacement = executor(Map.of("devices", -1, "stateBytes", 1L << 20));
        try {
            assertEquals(3, replacement.info().devices());
            assertEquals(first.info().deviceMemoryBytes(), replacement.info().deviceMemoryBytes());
        } finally {
            replacement.deactivate();
        }
    }
}
