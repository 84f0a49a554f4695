package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    private static final long H200_FREE = 139_000_000_000L;
    private static final long RESERVE = 2L << 30;

    private static MemoryBudget h200(String model, int window, int workers, int k, int maxBatch) {
        ModelPreset p = ModelPreset.of(model, window);
        return MemoryBudget.plan("[0] NVIDIA H200", H200_FREE, p.weightElements() * 2,
                Workspace.plan(p, maxBatch).bytes(), RESERVE, workers, new StateLayout(p).stateBytes(), k);
    }

    @Test
    void wan13bOnAnH200IsCappedByK() {
        MemoryBudget b = h200("wan-1.3b", 18, 1, 4, 4);
        assertEquals(4, b.sessionsPerWorker());
        assertEquals(4 * new StateLayout(ModelPreset.of("wan-1.3b", 18)).stateBytes(), b.stateBytesPerWorker());
        assertEquals(8, h200("wan-1.3b", 18, 1, 8, 8).sessionsPerWorker());
    }

    @Test
    void wan14bWithAFullWindowFitsFourStatesOnOneWorkerAndTwoEachOnASplit() {
        assertEquals(4, h200("wan-14b", 18, 1, 8, 4).sessionsPerWorker());
        assertEquals(2, h200("wan-14b", 18, 2, 8, 4).sessionsPerWorker());
    }

    @Test
    void whatDoesNotFitIsSaidWithTheFigures() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h200("wan-14b", 18, 8, 4, 4));
        assertTrue(e.getMessage().contains("less than one state of 23.00 GB"), e.getMessage());
        assertTrue(e.getMessage().contains("lower workersPerDevice"), e.getMessage());
        IllegalStateException small = assertThrows(IllegalStateException.class,
                () -> MemoryBudget.plan("gpu", 1_000, 2_000, 0, 0, 1, 10, 4));
        assertTrue(small.getMessage().contains("0.00 GB per worker"), small.getMessage());
    }

    @Test
    void workspaceRegionsAreAlignedAndDisjoint() {
        ModelPreset p = ModelPreset.of("wan-1.3b", 18);
        Workspace w = Workspace.plan(p, 4);
        long rows = 4L * p.tokensPerChunk();
        long[] starts = {w.x(), w.h(), w.ln(), w.qkv(), w.att(), w.q(), w.tmp(), w.up(), w.tokens(), w.text(), w.bytes()};
        long[] sizes = {rows * 1536 * 2, rows * 1536 * 2, rows * 1536 * 2, rows * 3 * 1536 * 2, rows * 1536 * 2,
            rows * 1536 * 2, rows * 1536 * 2, rows * 8960 * 2, 512L * 1536 * 2, 4 * Workspace.textBytes(p)};
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(0, starts[i] % 256);
            assertTrue(starts[i] + sizes[i] <= starts[i + 1], "region " + i + " overlaps the next");
            assertTrue(starts[i + 1] - starts[i] < sizes[i] + 256, "region " + i + " is its size, aligned, no more");
        }
        assertEquals(w.text() + 2 * Workspace.textBytes(p) + 3L * 512 * 2 * 1536 * 2, w.text(p, 2, 3));
        assertEquals(w.x() + 4096, w.at(4096).x());
        assertThrows(IllegalArgumentException.class, () -> Workspace.plan(p, 0));
    }
}
