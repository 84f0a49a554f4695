package io.turboserve.api.policy;

import java.util.Objects;

/** A placement decision: the plan and the policy's next state. */
public record PlacementResult(Plan plan, PolicyState next) {
    public PlacementResult {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(next, "next");
    }
}
