package io.turboserve.core.controller;

import io.turboserve.api.policy.DemandStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Sliding-window demand statistics: lifecycle transitions counted in fixed bins, and the peak of
 * active sessions. The coefficient of variation of the per-bin counts is the paper's measure of
 * demand volatility.
 */
final class DemandWindow {
    private final long binNanos;
    private final int bins;
    private final long[] counts;
    private final int[] peaks;
    private long currentBinStart;
    private int current;
    private boolean started;

    DemandWindow(long windowNanos, int bins) {
        this.bins = bins;
        this.binNanos = Math.max(1, windowNanos / bins);
        this.counts = new long[bins];
        this.peaks = new int[bins];
    }

    void transition(long now, int active) {
        roll(now, active);
        counts[current]++;
    }

    void observe(long now, int active) {
        roll(now, active);
    }

    private void roll(long now, int active) {
        if (!started) {
            started = true;
            currentBinStart = now;
        }
        while (now - currentBinStart >= binNanos) {
            currentBinStart += binNanos;
            current = (current + 1) % bins;
            counts[current] = 0;
            peaks[current] = active;
            if (now - currentBinStart >= binNanos * (long) bins) {
                // A long quiet gap: skip whole windows instead of looping bin by bin.
                long skip = (now - currentBinStart) / binNanos - bins;
                currentBinStart += skip * binNanos;
            }
        }
        peaks[current] = Math.max(peaks[current], active);
    }

    DemandStats stats(long now, int alive, int active) {
        roll(now, active);
        List<Integer> ordered = new ArrayList<>(bins);
        int peak = 0;
        double sum = 0;
        for (int i = 1; i <= bins; i++) {
            int idx = (current + i) % bins;
            ordered.add((int) counts[idx]);
            sum += counts[idx];
            peak = Math.max(peak, peaks[idx]);
        }
        double mean = sum / bins;
        double cv = 0;
        if (mean > 0) {
            double var = 0;
            for (int c : ordered) {
                var += (c - mean) * (c - mean);
            }
            cv = Math.sqrt(var / bins) / mean;
        }
        return new DemandStats(alive, active, binNanos * bins, ordered, peak, cv);
    }
}
