package io.turboserve.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.policy.LatencyModel;
import io.turboserve.core.controller.AnalyticLatencyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyProfilesTest {
    private static final long MS = 1_000_000L;

    @Test
    void theAnalyticReferenceGivesThePublishedNumbers() {
        LatencyProfile p = LatencyProfiles.analyticReference();
        LatencyModel m = p.model();
        // base = 180 ms × 0.65 (480p) × max(0.5, √(9/64) = 0.375) + 0.015 ms × 256 = 58.5 + 3.84 = 62.34 ms
        // n = 1: 62.34 + 0        + 18 × (1/4)² = 1.125  →  63.465 ms (63.5)
        // n = 2: 62.34 + 55       + 18 × (2/4)² = 4.5    → 121.84  ms (121.8)
        // n = 3: 62.34 + 110      + 18 × (3/4)² = 10.125 → 182.465 ms (182.5)
        // n = 4: 62.34 + 165      + 18 × 1      = 18     → 245.34  ms (245.3)
        assertEquals(63_465_000L, m.chunkNanos(0, 1));
        assertEquals(121_840_000L, m.chunkNanos(0, 2));
        assertEquals(182_465_000L, m.chunkNanos(0, 3));
        assertEquals(245_340_000L, m.chunkNanos(0, 4));
        assertEquals(0, m.chunkNanos(0, 0));
        // 256 MiB state; migration 8 ms + 268,435,456 B / 32 GB/s (8.388608 ms) = 16.388608 ms
        assertEquals(268_435_456L, p.stateBytes());
        assertEquals(8_000_000L + 8_388_608L, m.migrationNanos(p.stateBytes()));
        // The data file and the controller's built-in reference agree.
        AnalyticLatencyModel builtIn = AnalyticLatencyModel.reference(4);
        for (int n = 0; n <= 8; n++) {
            assertEquals(builtIn.chunkNanos(0, n), m.chunkNanos(0, n), "n = " + n);
        }
        assertEquals("analytic-reference", p.name());
        assertEquals("63.465 / 121.84 / 182.465 / 245.34", p.parameters().get("chunk_ms_n1..n4"));
    }

    @Test
    void analyticInputsCanBeChanged() {
        // 720p, 64 frames, 0 tokens: base = 180 × 1.0 × max(0.5, √1) = 180 ms; n = 1: 180 + 1.125
        LatencyModel m = LatencyProfiles.analytic("720p", 64, 0).model();
        assertEquals(181_125_000L, m.chunkNanos(0, 1));
        assertThrows(IllegalArgumentException.class, () -> LatencyProfiles.analytic("8k", -1, -1));
    }

    @Test
    void aMeasuredProfileInterpolatesBetweenBatchesAndExtrapolatesBeyond() throws IOException {
        LatencyProfile p = LatencyProfiles.measured(LatencyProfiles.H200_REFERENCE, "wan-1.3b", 6);
        LatencyModel m = p.model();
        // Measured: batch 1 223.2, 2 447.6, 4 898.0, 8 1787.6 ms.
        assertEquals(223_200_000L, m.chunkNanos(0, 1));
        assertEquals(447_600_000L, m.chunkNanos(0, 2));
        // batch 3: midpoint of 447.6 and 898.0 = 672.8 ms
        assertEquals(672_800_000L, m.chunkNanos(0, 3));
        // batch 6: midpoint of 898.0 and 1787.6 = 1342.8 ms
        assertEquals(1_342_800_000L, m.chunkNanos(0, 6));
        // batch 16: 1787.6 + 8 × (1787.6 − 898.0) / 4 = 1787.6 + 8 × 222.4 = 3566.8 ms
        assertEquals(3_566_800_000L, m.chunkNanos(0, 16));
        assertEquals(1_725_235_200L, p.stateBytes());
        // Migration: α 8 ms + 1,725,235,200 B / 900 GB/s (H200 NVLink 4) = 8 + 1.916928 ms
        assertEquals(9_916_928L, m.migrationNanos(p.stateBytes()));
        assertEquals("h200-pytorch-reference/wan-1.3b/ctx6", p.name());
        assertEquals("NVIDIA H200", p.parameters().get("gpu"));
    }

    @Test
    void aProfileWithoutBatchEightExtrapolatesFromItsLastTwoBatches() throws IOException {
        LatencyModel m = LatencyProfiles.measured(LatencyProfiles.H200_REFERENCE, "wan-14b", 18).model();
        // batch 2 4068.1, batch 4 8201.6: slope 2066.75 ms per session; batch 8 = 8201.6 + 4 × 2066.75 = 16468.6 ms
        assertEquals(16_468_600_000L, m.chunkNanos(0, 8));
        assertEquals(23_003_136_000L, LatencyProfiles.measured(LatencyProfiles.H200_REFERENCE, "wan-14b", 18).stateBytes());
    }

    @Test
    void theShippedProfileListsItsVariants() throws IOException {
        assertEquals(List.of(new LatencyProfiles.Variant("wan-1.3b", 6), new LatencyProfiles.Variant("wan-1.3b", 18),
                new LatencyProfiles.Variant("wan-14b", 6), new LatencyProfiles.Variant("wan-14b", 18)),
                LatencyProfiles.variants(LatencyProfiles.H200_REFERENCE));
    }

    @Test
    void anUnknownModelNamesWhatTheProfileHas() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyProfiles.measured(LatencyProfiles.H200_REFERENCE, "wan-2b", 6));
        assertTrue(e.getMessage().contains("wan-14b"), e.getMessage());
    }

    @Test
    void aProfileFileMayCarryItsOwnMigrationCostAndASingleBatch(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("b300.json");
        Files.writeString(f, """
                {"gpu": "NVIDIA B300", "migration": {"fixed_ms": 2, "bytes_per_second": 1000000000},
                 "rows": [{"model": "m", "batch": 2, "context_frames": 3, "chunk_ms": 100, "kv_bytes_per_session": 1000000}]}
                """);
        LatencyProfile p = LatencyProfiles.measured(f, "m", 3);
        // One measured batch: proportional, 50 ms per session.
        assertEquals(150_000_000L, p.model().chunkNanos(0, 3));
        // 2 ms + 1 MB / 1 GB/s = 3 ms
        assertEquals(3_000_000L, p.model().migrationNanos(p.stateBytes()));
        assertEquals(1.8e12, LatencyProfiles.nvlinkBytesPerSecond("NVIDIA B300"));
    }

    @Test
    void aMalformedProfileIsRejectedWithTheLineAndField(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, """
                {"rows": [
                 {"model": "m", "batch": 0, "context_frames": 3, "chunk_ms": 100, "kv_bytes_per_session": 1}
                ]}
                """);
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> LatencyProfiles.measured(f, "m", 3));
        assertEquals(2, e.line());
        assertEquals("batch", e.field());
    }
}
