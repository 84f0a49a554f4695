package io.turboserve.sim;

import io.turboserve.api.policy.LatencyModel;
import java.util.Arrays;

/**
 * Step latency from a measured profile: the chunk time of a coalesced step at the measured batch
 * sizes, interpolated linearly between them and extrapolated linearly beyond (the H200 profile
 * grows almost exactly linearly with the batch, HARDWARE.md). A single measured batch scales
 * proportionally (through the origin). Every session of a step gets its chunk when the step ends,
 * so the per-chunk latency of n sessions is the step time at batch n. Migration costs
 * {@code α + bytes / β}.
 */
public final class MeasuredLatencyModel implements LatencyModel {
    private final int[] batches;
    private final double[] stepMs;
    private final long migrationFixedNanos;
    private final double migrationBytesPerSecond;

    /**
     * @param batches                 measured batch sizes, strictly increasing, ≥ 1
     * @param stepMs                  the chunk (step) time at each, in milliseconds
     * @param migrationFixedNanos     α
     * @param migrationBytesPerSecond β
     */
    public MeasuredLatencyModel(int[] batches, double[] stepMs, long migrationFixedNanos, double migrationBytesPerSecond) {
        if (batches.length == 0 || batches.length != stepMs.length) {
            throw new IllegalArgumentException("need one step time per measured batch, got " + batches.length + " batches and "
                    + stepMs.length + " times");
        }
        for (int i = 0; i < batches.length; i++) {
            if (batches[i] < 1 || (i > 0 && batches[i] <= batches[i - 1])) {
                throw new IllegalArgumentException("batches must be ≥ 1 and strictly increasing: " + Arrays.toString(batches));
            }
            if (!(stepMs[i] > 0) || !Double.isFinite(stepMs[i])) {
                throw new IllegalArgumentException("step times must be positive: " + Arrays.toString(stepMs));
            }
        }
        if (migrationFixedNanos < 0 || !(migrationBytesPerSecond > 0)) {
            throw new IllegalArgumentException("migration cost needs α ≥ 0 and β > 0");
        }
        this.batches = batches.clone();
        this.stepMs = stepMs.clone();
        this.migrationFixedNanos = migrationFixedNanos;
        this.migrationBytesPerSecond = migrationBytesPerSecond;
    }

    @Override
    public long chunkNanos(int gpu, int sessions) {
        if (sessions <= 0) {
            return 0;
        }
        return Math.max(1, Math.round(stepMillis(sessions) * 1e6));
    }

    /** @return the step time at {@code n} sessions in milliseconds, interpolated. */
    double stepMillis(int n) {
        if (batches.length == 1) {
            return stepMs[0] * n / batches[0];
        }
        // The segment that holds n, or the first/last one to extrapolate from.
        int i = 0;
        while (i < batches.length - 2 && n > batches[i + 1]) {
            i++;
        }
        double slope = (stepMs[i + 1] - stepMs[i]) / (batches[i + 1] - batches[i]);
        double v = stepMs[i] + slope * (n - batches[i]);
        if (n < batches[0]) {
            // Extrapolating below the first measured batch must not reach zero or below.
            v = Math.max(v, stepMs[0] * n / batches[0] * 0.5);
        }
        return v;
    }

    @Override
    public long migrationNanos(long bytes) {
        return migrationFixedNanos + Math.round(bytes * 1e9 / migrationBytesPerSecond);
    }

    public int[] batches() {
        return batches.clone();
    }

    public double[] stepMillis() {
        return stepMs.clone();
    }

    @Override
    public String toString() {
        return "MeasuredLatencyModel[batches=" + Arrays.toString(batches) + ", stepMs=" + Arrays.toString(stepMs)
                + ", migration=" + migrationFixedNanos / 1e6 + " ms + bytes / " + migrationBytesPerSecond / 1e9 + " GB/s]";
    }
}
