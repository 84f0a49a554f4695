package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.cuda.CudaDevice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final List<CudaDevice> TWO = List.of(new CudaDevice(0, "NVIDIA H200", 150_000_000_000L, 9, 0, 132),
            new CudaDevice(1, "NVIDIA H200", 150_000_000_000L, 9, 0, 132));

    private static CudaChunkExecutor.Settings settings(Map<String, Object> overrides) {
        return CudaExecutorComponent.settings(Configs.of(CudaExecutorComponent.Config.class, overrides), TWO);
    }

    @Test
    void defaultsServeWan13bOnEveryUsableDevice() {
        CudaChunkExecutor.Settings s = settings(Map.of());
        assertEquals("wan-1.3b", s.preset().name());
        assertEquals(18, s.preset().windowFrames());
        assertEquals(List.of(0, 1), s.devices());
        assertEquals(1, s.workersPerDevice());
        assertEquals(4, s.sessionsPerWorker());
        assertEquals(1234, s.modelSeed());
        assertEquals("auto", s.attention());
    }

    @Test
    void devicesAndSplitsAreConfigurable() {
        CudaChunkExecutor.Settings s = settings(Map.of("devices", " 1 ", "workersPerDevice", 2, "model", "tiny"));
        assertEquals(List.of(1), s.devices());
        assertEquals(2, s.workersPerDevice());
    }

    @Test
    void invalidValuesNameThePidThePropertyAndTheValue() {
        assertMessage(Map.of("model", "llama"), "unknown model preset 'llama'");
        assertMessage(Map.of("windowFrames", 2), "windowFrames (2) must exceed sinkFrames (3)");
        assertMessage(Map.of("devices", "0,x"), "comma-separated CUDA ordinals");
        assertMessage(Map.of("devices", "0,0"), "listed twice");
        assertMessage(Map.of("workersPerDevice", 0), "workersPerDevice must be between 1 and 64, got 0");
        assertMessage(Map.of("maxBatch", 65), "maxBatch must be between 1 and 64, got 65");
        assertMessage(Map.of("reserveBytes", -1L), "reserveBytes must be ≥ 0");
        assertMessage(Map.of("attention", "fast"), "attention must be auto, flash2, flash or reference, got 'fast'");
    }

    private static void assertMessage(Map<String, Object> overrides, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings(overrides));
        assertTrue(e.getMessage().startsWith(CudaExecutorComponent.PID + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
