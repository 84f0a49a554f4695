package io.turboserve.api;

/**
 * When a chunk was asked for, computed and delivered, in nanoseconds of the server's clock.
 *
 * @param requestedNanos when the chunk was requested (activation for chunk 0, the previous
 *                       delivery otherwise)
 * @param startedNanos   when the coalesced step that computed it started
 * @param finishedNanos  when that step finished
 * @param batchSize      how many sessions that step served
 */
public record ChunkTimings(long requestedNanos, long startedNanos, long finishedNanos, int batchSize) {
    /** @return delivery minus request: the chunk latency the user sees. */
    public long latencyNanos() {
        return finishedNanos - requestedNanos;
    }

    /** @return the duration of the step that computed the chunk. */
    public long stepNanos() {
        return finishedNanos - startedNanos;
    }
}
