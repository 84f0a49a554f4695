package io.turboserve.autoscaler;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BottleneckEstimator;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.ScalingResult;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A fixed budget: the baselines' autoscaling. The controller still clamps it to the operator's
 * bounds. Constructible outside OSGi ({@link #FixedAutoscaling(int)}) so that the simulator can run
 * it on a plain class path.
 */
@Component(configurationPid = "io.turboserve.autoscaler.fixed", configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = io.turboserve.api.policy.PlacementPolicy.POLICY_NAME + "=" + FixedAutoscaling.NAME)
@Designate(ocd = FixedAutoscaling.Config.class)
public final class FixedAutoscaling implements AutoscalingPolicy {
    /** The {@code policy.name} of this policy. */
    public static final String NAME = "fixed";

    @ObjectClassDefinition(name = "TurboServe fixed autoscaling")
    public @interface Config {
        @AttributeDefinition(description = "The number of GPUs to keep provisioned (the embedded server has 4 CPU workers).")
        int budget() default 4;
    }

    private volatile int budget;

    /**
     * A fixed budget without OSGi.
     *
     * @param budget the number of GPUs to keep provisioned, at least 1
     */
    public FixedAutoscaling(int budget) {
        this.budget = checked(budget);
    }

    @Activate
    public FixedAutoscaling(Config config) {
        ConfigValues.orDefaults("io.turboserve.autoscaler.fixed", Config.class, config, c -> {
            configure(c);
            return c;
        });
    }

    @Modified
    void configure(Config config) {
        ConfigValues.readable("io.turboserve.autoscaler.fixed", Config.class, config);
        budget = checked(config.budget());
    }

    /** The one place a budget is validated, for both constructors and reconfiguration. */
    private static int checked(int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("io.turboserve.autoscaler.fixed: budget must be at least 1, got " + budget);
        }
        return budget;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ScalingResult scale(ClusterSnapshot snapshot, BottleneckEstimator bottleneckAt, PolicyState previous) {
        return new ScalingResult(budget, PolicyState.NONE, "fixed budget of " + budget);
    }
}
