package io.turboserve.api.policy;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;

/**
 * A session as a policy sees it.
 *
 * @param id                 the session id
 * @param model              the model preset
 * @param lifecycle          arrived, active or idle (departed sessions are not in snapshots)
 * @param residency          none, resident, offloaded or in transit
 * @param gpu                the GPU holding its state when resident, the destination when in
 *                           transit to a GPU, otherwise -1
 * @param stateBytes         the size of its packed state
 * @param lifecycleSinceNanos when it entered {@code lifecycle}
 * @param chunksDelivered    how many chunks it has delivered so far
 * @param chunkRequestedNanos when its pending chunk was requested (controller clock), or -1 when
 *                           none is pending: the wait of that chunk so far is {@code now} minus this
 * @param playoutSlackNanos  how long its user can keep watching before the next chunk is due: the
 *                           video delivered since its playout began (the first chunk after it
 *                           became active) less the time played since, as if its client watched
 *                           in real time; negative while that chunk is late (a stall) or the client
 *                           has stopped reading; 0 when it is
 *                           not active or its playout has not begun (only then: a chunk due at
 *                           this very instant reads -1 ns). A client that stops reading
 *                           has no chunk pending: its slack runs out although it waits for nothing
 */
public record SessionView(String id, String model, Lifecycle lifecycle, Residency residency, int gpu,
        long stateBytes, long lifecycleSinceNanos, long chunksDelivered, long chunkRequestedNanos,
        long playoutSlackNanos) {

    /**
     * A view without chunk timing (no chunk pending, no playout slack), as policy API 1.1 built it.
     */
    public SessionView(String id, String model, Lifecycle lifecycle, Residency residency, int gpu, long stateBytes,
            long lifecycleSinceNanos, long chunksDelivered) {
        this(id, model, lifecycle, residency, gpu, stateBytes, lifecycleSinceNanos, chunksDelivered, -1, 0);
    }

    /** @return how long its pending chunk has waited at {@code nowNanos}, or 0 when none is pending. */
    public long chunkWaitNanos(long nowNanos) {
        return chunkRequestedNanos < 0 ? 0 : Math.max(0, nowNanos - chunkRequestedNanos);
    }

    /** @return whether the session is active but has no GPU to run on (new, restoring, or lost). */
    public boolean needsPlacement() {
        return lifecycle == Lifecycle.ACTIVE && (residency == Residency.NONE || residency == Residency.OFFLOADED);
    }

    /** @return whether its state occupies a slot on {@code gpuId} (resident or arriving there). */
    public boolean occupies(int gpuId) {
        return gpu == gpuId && (residency == Residency.RESIDENT || residency == Residency.IN_TRANSIT);
    }

    /** @return whether a plan may move it now: not in transit. */
    public boolean movable() {
        return residency != Residency.IN_TRANSIT;
    }
}
