package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.executor.cpu.model.ModelShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelPresetTest {

    @Test
    void tinyIsTheCpuExecutorsDefaultShapeWithTheSameFingerprint() {
        ModelPreset tiny = ModelPreset.of("tiny", 18);
        ModelShape cpu = ModelShape.tiny(1234);
        assertEquals(cpu.layers(), tiny.layers());
        assertEquals(cpu.hidden(), tiny.hidden());
        assertEquals(cpu.heads(), tiny.heads());
        assertEquals(cpu.ffn(), tiny.ffn());
        assertEquals(cpu.tokensPerFrame(), tiny.tokensPerFrame());
        assertEquals(cpu.framesPerChunk(), tiny.framesPerChunk());
        assertEquals(cpu.sinkFrames(), tiny.sinkFrames());
        assertEquals(cpu.windowFrames(), tiny.windowFrames());
        assertEquals(cpu.textTokens(), tiny.textTokens());
        assertEquals(cpu.fingerprint(), tiny.fingerprint(1234));
        assertEquals(cpu.stateBytes(), new StateLayout(tiny).stateBytes());
        assertEquals(cpu.payloadBytes(), tiny.payloadBytes());
    }

    /** The KV sizes of HARDWARE.md's table: 1.7 / 5.2 GB (1.3B), 7.7 / 23 GB (14B) for windows of 6 / 18 frames. */
    @ParameterizedTest
    @CsvSource({"wan-1.3b, 6, 1.72", "wan-1.3b, 18, 5.18", "wan-14b, 6, 7.67", "wan-14b, 18, 23.0"})
    void stateSizesMatchTheReferenceTable(String name, int window, double gigabytes) {
        long bytes = new StateLayout(ModelPreset.of(name, window)).stateBytes();
        assertEquals(gigabytes, bytes / 1e9, 0.01);
    }

    @Test
    void wanShapes() {
        ModelPreset small = ModelPreset.of("wan-1.3b", 18);
        assertEquals(128, small.headDim());
        assertEquals(4680, small.tokensPerChunk());
        assertEquals(28080, small.windowTokens());
        ModelPreset large = ModelPreset.of("WAN-14B", 6);
        assertEquals(128, large.headDim());
        assertEquals(40, large.layers());
        assertTrue(CudaChunkExecutor.flashFits(small) && CudaChunkExecutor.flashFits(large)
                && CudaChunkExecutor.flashFits(ModelPreset.of("tiny", 18)));
    }

    /**
     * The reference step of wan-1.3b with a 6-frame window takes 223 ms at 540 TFLOP/s, about 120
     * TFLOP; the count here (GEMMs and attention, 2 FLOPs per multiply-add) agrees within 10 %.
     */
    @Test
    void chunkFlopsAgreeWithTheReferenceProfile() {
        double flops = ModelPreset.of("wan-1.3b", 6).chunkFlops();
        assertEquals(0.223 * 540e12, flops, 0.1 * 0.223 * 540e12, "counted " + flops / 1e12 + " TFLOP");
    }

    @Test
    void badShapesAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelPreset.of("wan-7b", 18)).getMessage()
                .contains("known: [tiny, wan-1.3b, wan-14b]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelPreset.of("tiny", 3)).getMessage()
                .contains("must exceed sinkFrames"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new ModelPreset("x", 1, 30, 4, 8, 8, 3, 3, 18, 8)).getMessage().contains("multiple of heads"));
        // two frames of one chunk would share a rolling slot, and the device writes them in parallel
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelPreset.of("wan-1.3b", 5)).getMessage()
                .contains("(windowFrames − sinkFrames = 2) must hold a whole chunk (framesPerChunk = 3)"));
    }
}
