package io.turboserve.api.policy;

import io.turboserve.api.GpuState;

/**
 * A GPU worker as a policy sees it.
 *
 * @param id              the worker id
 * @param state           provisioning, ready, draining or lost; only {@code READY} GPUs take new
 *                        sessions
 * @param capacity        the most sessions that may be resident at once (K, or fewer where memory
 *                        is short)
 * @param memoryFreeBytes device memory not yet holding session state
 * @param sinceNanos      when it entered {@code state}
 * @param sessions        sessions whose state occupies a slot here (resident, arriving or leaving),
 *                        or -1 when not counted (then {@link ClusterSnapshot#occupancy} counts)
 * @param activeSessions  of those, the active ones, or -1 when not counted
 * @param stepEndsAtNanos when the coalesced step running there is predicted to end, or -1 when the
 *                        GPU is not running one: a session placed there waits until then before
 *                        its first step (what batching-aware placement weighs)
 */
public record GpuView(int id, GpuState state, int capacity, long memoryFreeBytes, long sinceNanos, int sessions,
        int activeSessions, long stepEndsAtNanos) {

    /** A view whose occupancy the snapshot counts from its sessions. */
    public GpuView(int id, GpuState state, int capacity, long memoryFreeBytes, long sinceNanos) {
        this(id, state, capacity, memoryFreeBytes, sinceNanos, -1, -1, -1);
    }

    /** A view with counted occupancy and no step timing. */
    public GpuView(int id, GpuState state, int capacity, long memoryFreeBytes, long sinceNanos, int sessions,
            int activeSessions) {
        this(id, state, capacity, memoryFreeBytes, sinceNanos, sessions, activeSessions, -1);
    }

    /** @return whether new sessions may be placed here. */
    public boolean acceptsSessions() {
        return state == GpuState.READY;
    }
}
