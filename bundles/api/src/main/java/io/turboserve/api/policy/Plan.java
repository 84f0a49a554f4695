package io.turboserve.api.policy;

import java.util.List;

/**
 * What a placement policy decides. The controller validates every item (capacity, memory, a
 * session in transit is not moved again) and drops what is invalid, saying why.
 *
 * @param placements sessions without a GPU to put on one
 * @param migrations resident sessions to move
 * @param offloads   ids of resident sessions to offload to host memory
 */
public record Plan(List<Placement> placements, List<Migration> migrations, List<String> offloads) {
    /** The plan that changes nothing. */
    public static final Plan EMPTY = new Plan(List.of(), List.of(), List.of());

    public Plan {
        placements = List.copyOf(placements);
        migrations = List.copyOf(migrations);
        offloads = List.copyOf(offloads);
    }

    /** @return whether the plan asks for nothing. */
    public boolean isEmpty() {
        return placements.isEmpty() && migrations.isEmpty() && offloads.isEmpty();
    }
}
