package io.turboserve.api.policy;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides where sessions run. Pure: the same snapshot and state give the same result, with no side
 * effects. Registered as a service with a {@value #POLICY_NAME} property; the active one is chosen by
 * configuration or by a JMX operation.
 */
@ConsumerType
public interface PlacementPolicy {
    /** The service property that names a policy. */
    String POLICY_NAME = "policy.name";

    /** @return the policy's name, equal to its {@value #POLICY_NAME} service property. */
    String name();

    /**
     * @param snapshot the cluster now
     * @param previous the state this policy returned last time, or {@link PolicyState#NONE}
     * @return the plan and the next state
     */
    PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous);
}
