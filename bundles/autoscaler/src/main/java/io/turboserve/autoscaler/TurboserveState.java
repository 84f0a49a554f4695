package io.turboserve.autoscaler;

import io.turboserve.api.policy.PolicyState;

/**
 * What {@code turboserve} autoscaling carries from one decision to the next.
 *
 * <p>The level is remembered to say in the reason when it changes; it applies no hysteresis of its
 * own: a calmer level (higher ρ̂) only lowers the target, and the controller's scale-in hold
 * already keeps the GPUs until a lower budget has sufficed for the whole hold time, while a more
 * volatile level should scale out at once.
 *
 * @param level the volatility level of the last decision
 * @param trend the active-session trend behind the cold-start headroom
 */
public record TurboserveState(Volatility level, Trend trend) implements PolicyState {

    /**
     * The net change of active sessions over the last completed interval of about one demand bin,
     * measured from the decisions themselves (DemandStats counts transitions, not the active count
     * per bin, and transitions cannot tell arrivals from departures).
     *
     * @param startNanos  when the interval in progress began
     * @param startActive active sessions then
     * @param rise        the net change over the last completed interval (negative when falling)
     * @param riseNanos   the length of that interval; 0 while none has completed
     */
    public record Trend(long startNanos, int startActive, int rise, long riseNanos) {

        /** @return a trend with no completed interval yet: nothing to extrapolate. */
        public static Trend start(long now, int active) {
            return new Trend(now, active, 0, 0);
        }

        /**
         * @param now       the decision's clock
         * @param active    the active sessions now
         * @param intervalNanos the interval length (the demand bin); 0 when unknown, which keeps the trend
         * @return the trend with the interval in progress closed when it has lasted {@code intervalNanos}
         */
        public Trend observe(long now, int active, long intervalNanos) {
            if (intervalNanos <= 0 || now - startNanos < intervalNanos) {
                return this;
            }
            return new Trend(now, active, active - startActive, now - startNanos);
        }

        /**
         * @param horizonNanos how far ahead (the GPU cold start)
         * @return the sessions that become active within the horizon if the last rise goes on,
         *         {@code rise · horizon / riseNanos}; 0 when demand is flat, falling or not yet
         *         measured, so a cold start of 0 or no history is exactly the paper's rule
         */
        public double expectedRise(long horizonNanos) {
            if (rise <= 0 || riseNanos <= 0 || horizonNanos <= 0) {
                return 0;
            }
            return (double) rise * horizonNanos / riseNanos;
        }
    }
}
