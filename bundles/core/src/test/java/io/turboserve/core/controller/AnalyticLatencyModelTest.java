package io.turboserve.core.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AnalyticLatencyModelTest {
    @Test
    void referenceModelGivesThePublishedFigures() {
        // 180 × 0.65 × max(0.5, √(9/64)) + 0.015 × 256 = 58.5 + 3.84 = 62.34 ms base;
        // + 55 (n−1) + 18 (n/4)²: 63.5 / 121.8 / 182.5 / 245.3 ms.
        AnalyticLatencyModel m = AnalyticLatencyModel.reference(4);
        double[] expected = {63.5, 121.8, 182.5, 245.3};
        for (int n = 1; n <= 4; n++) {
            assertEquals(expected[n - 1], m.chunkNanos(0, n) / 1e6, 0.05, "n=" + n);
        }
        // 8 ms + 256 MB / 32 GB/s = 16 ms
        assertEquals(16.0, m.migrationNanos(256_000_000L) / 1e6, 1e-6);
    }
}
