package io.turboserve.autoscaler;

/**
 * The levels of recent demand volatility by which {@code turboserve} autoscaling picks its
 * (λ, ρ̂): the paper's three levels of the sliding-window coefficient of variation of lifecycle
 * transitions (DESIGN.md section 9). Where the thresholds fall is {@link TurboserveAutoscaling.Settings}.
 */
public enum Volatility {
    /** Calm demand (CV below the medium threshold): pack GPUs tightly. */
    LOW,
    /** Moderate demand swings: some headroom, some weight on latency. */
    MEDIUM,
    /** Bursty demand (CV above the high threshold, or unknown): most headroom, most weight on latency. */
    HIGH;

    /** @return the level's name as reasons print it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
