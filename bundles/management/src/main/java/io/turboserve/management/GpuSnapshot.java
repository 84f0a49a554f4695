package io.turboserve.management;

import io.turboserve.api.serving.GpuStatus;
import java.util.List;

/**
 * A GPU's status in open types (mapped to {@code CompositeData}; the session list to a
 * {@code String[]}): what the drain operations return and what {@link GpuMXBean} reads from.
 *
 * @param state      the {@link io.turboserve.api.GpuState} name, or {@code GONE} once released
 * @param lastStepMs in ms, or -1 before the first step
 * @param gone       whether the GPU is no longer provisioned
 */
public record GpuSnapshot(int id, String state, int capacity, List<String> sessions, int freeSlots, long steps,
        double lastStepMs, int lastBatch, boolean gone) {

    /** The state name shown once the GPU has been released. */
    public static final String GONE = "GONE";

    public GpuSnapshot {
        sessions = List.copyOf(sessions);
    }

    static GpuSnapshot of(GpuStatus g) {
        return new GpuSnapshot(g.id(), g.state() == null ? "" : g.state().name(), g.capacity(), g.sessions(),
                g.freeSlots(), g.steps(), Millis.of(g.lastStepNanos()), g.lastBatch(), false);
    }

    /** The GPU after its release, from what was last seen of it: no sessions, no free slots. */
    static GpuSnapshot gone(GpuStatus last) {
        return new GpuSnapshot(last.id(), GONE, last.capacity(), List.of(), 0, last.steps(),
                Millis.of(last.lastStepNanos()), last.lastBatch(), true);
    }
}
