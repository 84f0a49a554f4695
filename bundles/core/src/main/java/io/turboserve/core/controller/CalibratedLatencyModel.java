package io.turboserve.core.controller;

import io.turboserve.api.policy.LatencyModel;

/**
 * Predictions that policies weigh: a prior model (analytic or a measured profile) scaled by what
 * the executor actually measures. The calibration is one ratio, an exponentially weighted mean of
 * measured step time over predicted step time, so a faster or slower machine shifts every
 * prediction at once without the policies having to know.
 */
public final class CalibratedLatencyModel implements LatencyModel {
    private static final double WEIGHT = 0.1;

    private final LatencyModel prior;
    private final int maxBatch;
    private double ratio = 1.0;
    private long observations;

    public CalibratedLatencyModel(LatencyModel prior, int maxBatch) {
        this.prior = prior;
        this.maxBatch = maxBatch;
    }

    /** Records one measured step that served {@code batch} sessions on {@code gpu}. */
    public void observeStep(int gpu, int batch, long measuredNanos) {
        long predicted = prior.chunkNanos(gpu, batch);
        if (predicted <= 0 || measuredNanos <= 0) {
            return;
        }
        double r = (double) measuredNanos / predicted;
        ratio = observations == 0 ? r : (1 - WEIGHT) * ratio + WEIGHT * r;
        observations++;
    }

    @Override
    public long chunkNanos(int gpu, int sessions) {
        if (sessions <= 0) {
            return 0;
        }
        // More sessions than one step serves wait for a second step: chunks come in rounds.
        int rounds = (sessions + maxBatch - 1) / maxBatch;
        int perStep = Math.min(sessions, maxBatch);
        return (long) (prior.chunkNanos(gpu, perStep) * ratio) * rounds;
    }

    @Override
    public long migrationNanos(long bytes) {
        return prior.migrationNanos(bytes);
    }

    /** @return measured over predicted, as calibrated so far. */
    public double ratio() {
        return ratio;
    }
}
