package io.turboserve.core.controller;

import io.turboserve.api.GpuState;

/** The controller's mutable record of one provisioned GPU. */
final class GpuRecord {
    final int id;
    final String description;
    final long memoryBytes;
    final long requestedAt;
    GpuState state = GpuState.READY;
    long since;
    boolean busy;
    /** When the running step is predicted to end, or -1. */
    long stepEndsAt = -1;
    long steps;
    long lastStepNanos = -1;
    int lastBatch;
    long backoffUntil = Long.MIN_VALUE;
    /** Whether it drains because the autoscaler scaled in (not at an operator's request). */
    boolean drainingForScaleIn;

    GpuRecord(int id, String description, long memoryBytes, long requestedAt, long now) {
        this.id = id;
        this.description = description;
        this.memoryBytes = memoryBytes;
        this.requestedAt = requestedAt;
        this.since = now;
    }

    /** @return whether it still serves the sessions it holds. */
    boolean serving() {
        return state == GpuState.READY || state == GpuState.DRAINING;
    }
}
