package io.turboserve.core.controller;

import io.turboserve.api.policy.BudgetBounds;
import java.time.Duration;

/**
 * The controller's settings. Every value has a documented default ({@link #defaults()}) and is
 * validated here, once, with a message naming what was rejected.
 *
 * @param sessionsPerGpu      K: the most sessions resident on one GPU (default 4)
 * @param maxBatch            the most sessions one coalesced step serves (default 4)
 * @param bufferAhead         chunks a session may buffer ahead of its client before its
 *                            generation pauses (default 4, DESIGN.md section 9)
 * @param bounds              the initial budget bounds (default 1..4)
 * @param scaleInHold         a lower budget must have sufficed this long before scaling in (5 s)
 * @param demandWindow        the sliding window of demand statistics (60 s)
 * @param demandBins          bins of that window (10)
 * @param maxMigrationsInFlight the most migrations running at once (4)
 * @param migrationFixedNanos α of the migration cost model (8 ms)
 * @param migrationBytesPerSecond β of the migration cost model (32 GB/s)
 * @param provisionRetry      how long to wait after a failed provision before asking again (5 s)
 * @param tombstones          closed session ids remembered so that a late request gets "gone" (10,000)
 * @param chunkVideo          the video one chunk holds, which its user watches in real time: the
 *                            unit of playout slack (750 ms: 3 latent frames of 4 video frames at 16 fps)
 */
public record ControllerConfig(int sessionsPerGpu, int maxBatch, int bufferAhead, BudgetBounds bounds,
        Duration scaleInHold, Duration demandWindow, int demandBins, int maxMigrationsInFlight,
        long migrationFixedNanos, long migrationBytesPerSecond, Duration provisionRetry, int tombstones,
        Duration chunkVideo) {

    /**
     * The most GPUs one controller manages (its decisions are measured up to 1,024): a bound above
     * it is refused rather than turned into that many provisioning requests.
     */
    public static final int MAX_GPUS = 65_536;

    /** The default video per chunk, 750 ms. */
    public static final Duration CHUNK_VIDEO = Duration.ofMillis(750);

    public ControllerConfig {
        positive("sessionsPerGpu", sessionsPerGpu);
        positive("maxBatch", maxBatch);
        positive("bufferAhead", bufferAhead);
        positive("demandBins", demandBins);
        positive("maxMigrationsInFlight", maxMigrationsInFlight);
        positive("tombstones", tombstones);
        positive("migrationBytesPerSecond", migrationBytesPerSecond);
        if (migrationFixedNanos < 0) {
            throw new IllegalArgumentException("migrationFixedNanos must not be negative, got " + migrationFixedNanos);
        }
        if (bounds == null) {
            throw new IllegalArgumentException("bounds must be given");
        }
        if (bounds.max() > MAX_GPUS) {
            throw new IllegalArgumentException("maxBudget must be at most " + MAX_GPUS + ", got " + bounds.max());
        }
        nonNegative("scaleInHold", scaleInHold);
        nonNegative("provisionRetry", provisionRetry);
        nonNegative("demandWindow", demandWindow);
        if (demandWindow.isZero()) {
            throw new IllegalArgumentException("demandWindow must be positive");
        }
        nonNegative("chunkVideo", chunkVideo);
        if (chunkVideo.isZero()) {
            throw new IllegalArgumentException("chunkVideo must be positive");
        }
    }

    /** Settings with the default video per chunk ({@link #CHUNK_VIDEO}), as controller API 1.0 built them. */
    public ControllerConfig(int sessionsPerGpu, int maxBatch, int bufferAhead, BudgetBounds bounds, Duration scaleInHold,
            Duration demandWindow, int demandBins, int maxMigrationsInFlight, long migrationFixedNanos,
            long migrationBytesPerSecond, Duration provisionRetry, int tombstones) {
        this(sessionsPerGpu, maxBatch, bufferAhead, bounds, scaleInHold, demandWindow, demandBins, maxMigrationsInFlight,
                migrationFixedNanos, migrationBytesPerSecond, provisionRetry, tombstones, CHUNK_VIDEO);
    }

    /** @return the defaults of DESIGN.md section 9. */
    public static ControllerConfig defaults() {
        return new ControllerConfig(4, 4, 4, new BudgetBounds(1, 4), Duration.ofSeconds(5), Duration.ofSeconds(60), 10, 4,
                8_000_000L, 32_000_000_000L, Duration.ofSeconds(5), 10_000);
    }

    /** @return a copy with other bounds. */
    public ControllerConfig withBounds(BudgetBounds newBounds) {
        return new ControllerConfig(sessionsPerGpu, maxBatch, bufferAhead, newBounds, scaleInHold, demandWindow, demandBins,
                maxMigrationsInFlight, migrationFixedNanos, migrationBytesPerSecond, provisionRetry, tombstones, chunkVideo);
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    private static void nonNegative(String name, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be a non-negative duration, got " + value);
        }
    }
}
