package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.StepItem;
import io.turboserve.cuda.CudaStatus;
import io.turboserve.executor.cpu.CpuChunkExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The executor on a real device, at the tiny shape. Skipped, with the probe's reason, where no CUDA
 * device is usable (CI among them); run/gpu-check measures the full-size figures.
 */
class CudaExecutorGpuTest {
    private static CudaStatus status;

    @BeforeAll
    static void probe() {
        status = CudaStatus.probe();
    }

    private static CudaChunkExecutor executor(int workers, int k, String attention) {
        Assumptions.assumeTrue(status.available(), "no usable CUDA device here: " + status.message());
        CudaChunkExecutor.Settings s = new CudaChunkExecutor.Settings(ModelPreset.of("tiny", 18), 1234,
                List.of(status.devices().get(0).ordinal()), workers, k, 4, 1L << 30, attention);
        return new CudaChunkExecutor(s, status.devices());
    }

    private static double relativeError(byte[] x, byte[] y) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < y.length; i += 2) {
            float a = Float.intBitsToFloat(((x[i] & 0xFF) | (x[i + 1] & 0xFF) << 8) << 16);
            float b = Float.intBitsToFloat(((y[i] & 0xFF) | (y[i + 1] & 0xFF) << 8) << 16);
            diff += (double) (a - b) * (a - b);
            norm += (double) b * b;
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void tinyChunksMatchTheCpuExecutor() throws Exception {
        for (String attention : new String[] {"reference", "flash", "flash2"}) {
            try (CudaChunkExecutor gpu = executor(1, 4, attention)) {
                CpuChunkExecutor cpu = new CpuChunkExecutor(Configs.of(CpuChunkExecutor.Config.class, Map.of()));
                SessionSpec spec = new SessionSpec("t", "tiny", "waves on a rocky shore", 5, Map.of());
                StateHandle c = cpu.create(0, "s", spec);
                StateHandle g = gpu.create(0, "s", spec);
                for (long chunk = 0; chunk < 10; chunk++) {
                    byte[] expected = cpu.step(0, List.of(new StepItem(spec, c, chunk))).outputs().get(0).payload();
                    byte[] got = gpu.step(0, List.of(new StepItem(spec, g, chunk))).outputs().get(0).payload();
                    double e = relativeError(got, expected);
                    assertTrue(e < 1e-2, attention + " attention, chunk " + chunk + ": relative error " + e);
                }
            }
        }
    }

    @Test
    void offloadRestoreAndMigrationContinueTheSameChunks() throws Exception {
        try (CudaChunkExecutor gpu = executor(2, 4, "auto")) {
            SessionSpec spec = new SessionSpec("t", "tiny", "a kite", 9, Map.of());
            StateHandle twin = gpu.create(0, "twin", spec);
            StateHandle moving = gpu.create(0, "moving", spec);
            List<byte[]> expected = new ArrayList<>();
            for (long chunk = 0; chunk < 6; chunk++) {
                expected.add(gpu.step(0, List.of(new StepItem(spec, twin, chunk))).outputs().get(0).payload());
            }
            for (long chunk = 0; chunk < 2; chunk++) {
                gpu.step(0, List.of(new StepItem(spec, moving, chunk)));
            }
            try (PinnedSlot slot = new PinnedSlot("moving", moving.bytes())) {
                gpu.copyToHost(moving, slot);
                gpu.free(moving);
                moving = gpu.allocate(0, "moving", slot.bytes());
                gpu.copyFromHost(slot, moving);
            }
            for (long chunk = 2; chunk < 4; chunk++) {
                assertArrayEquals(expected.get((int) chunk),
                        gpu.step(0, List.of(new StepItem(spec, moving, chunk))).outputs().get(0).payload());
            }
            StateHandle target = gpu.allocate(1, "moving", moving.bytes());
            gpu.copyDevice(moving, target);
            gpu.free(moving);
            assertEquals(gpu.cudaDevice(0), gpu.cudaDevice(1));
            for (long chunk = 4; chunk < 6; chunk++) {
                assertArrayEquals(expected.get((int) chunk),
                        gpu.step(1, List.of(new StepItem(spec, target, chunk))).outputs().get(0).payload());
            }
        }
    }

    @Test
    void refusesBeyondItsBudgetAndStaleHandles() throws Exception {
        try (CudaChunkExecutor gpu = executor(1, 2, "auto")) {
            SessionSpec spec = new SessionSpec("t", "tiny", "p", 1, Map.of());
            StateHandle a = gpu.create(0, "a", spec);
            gpu.create(0, "b", spec);
            ExecutorException full = assertThrows(ExecutorException.class, () -> gpu.create(0, "c", spec));
            assertEquals(ExecutorException.Kind.OUT_OF_MEMORY, full.kind());
            assertTrue(full.getMessage().contains("holds 2 of its 2 states"), full.getMessage());
            ExecutorException wrongChunk = assertThrows(ExecutorException.class,
                    () -> gpu.step(0, List.of(new StepItem(spec, a, 3))));
            assertTrue(wrongChunk.getMessage().contains("state is at chunk 0"), wrongChunk.getMessage());
            gpu.free(a);
            ExecutorException stale = assertThrows(ExecutorException.class,
                    () -> gpu.step(0, List.of(new StepItem(spec, a, 0))));
            assertEquals(ExecutorException.Kind.INVALID, stale.kind());
            ExecutorException model = assertThrows(ExecutorException.class,
                    () -> gpu.create(0, "d", new SessionSpec("t", "wan-14b", "p", 1, Map.of())));
            assertTrue(model.getMessage().contains("this executor runs 'tiny'"), model.getMessage());
        }
    }
}
