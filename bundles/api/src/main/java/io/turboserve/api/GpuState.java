package io.turboserve.api;

/** The state of a GPU worker in the pool. */
public enum GpuState {
    /** Requested and paid for; not ready yet (cold start). */
    PROVISIONING,
    /** Serving: a placement target. */
    READY,
    /** Being emptied before release: no new placements. */
    DRAINING,
    /** Failed; whatever was only on it is lost. */
    LOST
}
