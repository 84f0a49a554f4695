package io.turboserve.api.policy;

import java.time.Duration;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides how many GPUs to provision. Pure, like {@link PlacementPolicy}. The controller clamps the
 * target to the operator's bounds and applies the scale-in hold once, around every policy: a
 * policy states the budget it wants now.
 */
@ConsumerType
public interface AutoscalingPolicy {
    /** @return the policy's name, equal to its {@value PlacementPolicy#POLICY_NAME} service property. */
    String name();

    /**
     * @param snapshot     the cluster now
     * @param bottleneckAt the predicted bottleneck latency at a candidate budget
     * @param previous     the state this policy returned last time, or {@link PolicyState#NONE}
     * @return the target budget and the next state
     */
    ScalingResult scale(ClusterSnapshot snapshot, BottleneckEstimator bottleneckAt, PolicyState previous);

    /**
     * The scale-in hold this policy wants: the controller gives up a GPU only after a lower budget
     * has sufficed for this long. By default the operator's configured hold.
     *
     * @param configured the hold the operator configured for the controller
     * @return the hold to apply (negative is taken as zero)
     * @since 1.1
     */
    default Duration scaleInHold(Duration configured) {
        return configured;
    }
}
