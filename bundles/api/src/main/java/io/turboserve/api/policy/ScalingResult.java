package io.turboserve.api.policy;

import java.util.Objects;

/**
 * An autoscaling decision.
 *
 * @param targetBudget the number of GPUs the policy wants provisioned; the controller clamps it to
 *                     the bounds and applies the scale-in hold around it
 * @param next         the policy's next state
 * @param reason       why, in a few words, for logs and JMX
 */
public record ScalingResult(int targetBudget, PolicyState next, String reason) {
    public ScalingResult {
        Objects.requireNonNull(next, "next");
        Objects.requireNonNull(reason, "reason");
    }
}
