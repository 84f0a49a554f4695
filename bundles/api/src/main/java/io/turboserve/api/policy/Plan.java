package io.turboserve.api.policy;

import java.util.List;

/**
 * What a placement policy decides. The controller validates every item (capacity, memory, a
 * session in transit is not moved again) and drops what is invalid, saying why.
 *
 * @param placements sessions without a GPU to put on one
 * @param migrations resident sessions to move
 * @param offloads   ids of resident sessions to offload to host memory
 * @param stepBatch  the most sessions a coalesced step should serve from now on, or 0 for the
 *                   controller's configured maximum (which also caps this): smaller steps make a
 *                   session that joins a GPU wait less for the step running there
 */
public record Plan(List<Placement> placements, List<Migration> migrations, List<String> offloads, int stepBatch) {
    /** The plan that changes nothing. */
    public static final Plan EMPTY = new Plan(List.of(), List.of(), List.of());

    public Plan {
        placements = List.copyOf(placements);
        migrations = List.copyOf(migrations);
        offloads = List.copyOf(offloads);
        if (stepBatch < 0) {
            throw new IllegalArgumentException("stepBatch must be 0 (no preference) or positive, got " + stepBatch);
        }
    }

    /** A plan that leaves the step size to the controller. */
    public Plan(List<Placement> placements, List<Migration> migrations, List<String> offloads) {
        this(placements, migrations, offloads, 0);
    }

    /** @return whether the plan asks for nothing. */
    public boolean isEmpty() {
        return placements.isEmpty() && migrations.isEmpty() && offloads.isEmpty();
    }
}
