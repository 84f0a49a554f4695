package io.turboserve.api.policy;

/**
 * A policy's own state between decisions, returned with every decision and handed back with the
 * next one: an explicit value, so a policy has no hidden timers and replays deterministically.
 * Implementations are immutable (records are the natural choice).
 */
public interface PolicyState {
    /** The state of a policy that keeps none, and the state every policy starts from. */
    PolicyState NONE = new PolicyState() {
        @Override
        public String toString() {
            return "PolicyState.NONE";
        }
    };
}
