package io.turboserve.api.serving;

import io.turboserve.api.GpuState;
import java.util.List;

/**
 * A GPU worker as an operator sees it.
 *
 * @param id            the worker id
 * @param state         provisioning, ready, draining or lost
 * @param capacity      the most sessions resident at once
 * @param sessions      ids of the sessions whose state is resident (or arriving) there
 * @param freeSlots     capacity minus sessions
 * @param steps         coalesced steps run
 * @param lastStepNanos duration of the last step, or -1
 * @param lastBatch     sessions served by the last step
 */
public record GpuStatus(int id, GpuState state, int capacity, List<String> sessions, int freeSlots, long steps,
        long lastStepNanos, int lastBatch) {
    public GpuStatus {
        sessions = List.copyOf(sessions);
    }
}
