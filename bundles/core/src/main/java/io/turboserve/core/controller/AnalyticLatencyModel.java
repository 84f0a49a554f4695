package io.turboserve.core.controller;

import io.turboserve.api.policy.LatencyModel;

/**
 * The reference analytic model published with the TurboServe code: per-session chunk latency with
 * n sessions on a GPU = base + 55 ms × (n − 1) + 18 ms × (n / K)², where base = 180 ms × resolution
 * factor × max(0.5, √(frames / 64)) + 0.015 ms × prompt tokens. At the defaults (480p: 0.65, 9
 * frames, 256 tokens, K = 4) that is 63.5 / 121.8 / 182.5 / 245.3 ms for n = 1..4. Migration costs
 * α + bytes / β.
 */
public record AnalyticLatencyModel(long baseNanos, long perExtraSessionNanos, long contentionNanos, int k,
        long migrationFixedNanos, long migrationBytesPerSecond) implements LatencyModel {

    /** @return the reference model at its defaults. */
    public static AnalyticLatencyModel reference(int k) {
        double base = 180.0 * 0.65 * Math.max(0.5, Math.sqrt(9 / 64.0)) + 0.015 * 256;
        return new AnalyticLatencyModel(Math.round(base * 1e6), 55_000_000L, 18_000_000L, k, 8_000_000L,
                32_000_000_000L);
    }

    @Override
    public long chunkNanos(int gpu, int sessions) {
        if (sessions <= 0) {
            return 0;
        }
        double share = (double) sessions / k;
        return baseNanos + perExtraSessionNanos * (sessions - 1) + Math.round(contentionNanos * share * share);
    }

    @Override
    public long migrationNanos(long bytes) {
        return migrationFixedNanos + Math.round(bytes * 1e9 / migrationBytesPerSecond);
    }
}
