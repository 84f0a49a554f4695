package io.turboserve.api.policy;

/**
 * The operator's bounds on the GPU budget; the controller clamps every autoscaling decision to them.
 *
 * @param min the fewest GPUs to keep provisioned (at least 1)
 * @param max the most GPUs to provision
 */
public record BudgetBounds(int min, int max) {
    public BudgetBounds {
        if (min < 1) {
            throw new IllegalArgumentException("minimum budget must be at least 1, got " + min);
        }
        if (max < min) {
            throw new IllegalArgumentException("maximum budget " + max + " is below the minimum " + min);
        }
    }

    /** @return {@code budget} clamped into {@code [min, max]}. */
    public int clamp(int budget) {
        return Math.max(min, Math.min(max, budget));
    }
}
