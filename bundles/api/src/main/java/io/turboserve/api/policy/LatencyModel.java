package io.turboserve.api.policy;

/**
 * Predicted costs that policies weigh, kept by the controller (from a latency model or a measured
 * profile, calibrated online from measured steps).
 */
public interface LatencyModel {
    /**
     * @param gpu      the GPU worker
     * @param sessions the number of sessions resident and producing chunks there
     * @return the predicted per-chunk latency of each of them, in nanoseconds (0 sessions: 0)
     */
    long chunkNanos(int gpu, int sessions);

    /** @return the predicted cost of migrating a state of {@code bytes} between GPUs, in nanoseconds. */
    long migrationNanos(long bytes);
}
