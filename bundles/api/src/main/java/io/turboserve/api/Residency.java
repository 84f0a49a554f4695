package io.turboserve.api;

/** Where a session's state lives, orthogonal to its {@link Lifecycle}. */
public enum Residency {
    /** No state yet (never placed). */
    NONE,
    /** Held by an executor on one GPU. */
    RESIDENT,
    /** Held by the host offload store. */
    OFFLOADED,
    /** Being offloaded, restored or migrated; not movable until the transfer ends. */
    IN_TRANSIT
}
