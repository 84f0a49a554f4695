package io.turboserve.placement;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.PolicyState;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * TurboServe placement without migration, the paper's ablation: the same bottleneck-minimising
 * placement and idle offload as {@link TurboServePlacement}, no rebalancing and no evacuation of
 * draining GPUs (the controller evacuates those). Its plans never hold a migration.
 */
@Component(configurationPid = TurboServeNoMigrationPlacement.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + TurboServeNoMigrationPlacement.NAME)
@Designate(ocd = TurboServeNoMigrationPlacement.Config.class)
public final class TurboServeNoMigrationPlacement implements PlacementPolicy {
    public static final String NAME = "turboserve-no-migration";
    static final String PID = "io.turboserve.placement.turboservenomigration";

    @ObjectClassDefinition(name = "TurboServe placement without migration")
    public @interface Config {
        @AttributeDefinition(description = "Offload a session to host memory as soon as it goes idle (the paper's "
                + "default). When false, idle state stays resident until its slot is needed.")
        boolean offloadIdle() default true;
    }

    private final TurboServePlacement delegate;

    /** The policy at the reference settings. */
    public TurboServeNoMigrationPlacement() {
        this(TurboServePlacement.Settings.defaults());
    }

    /** @param settings as for {@link TurboServePlacement}; only {@code offloadIdle} applies here */
    public TurboServeNoMigrationPlacement(TurboServePlacement.Settings settings) {
        this.delegate = new TurboServePlacement(NAME, settings, false);
    }

    @Activate
    public TurboServeNoMigrationPlacement(Config config) {
        this(TurboServePlacement.Settings.defaults()
                .withOffloadIdle(ConfigValues.orDefaults(PID, Config.class, config, Config::offloadIdle)));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        return delegate.plan(snapshot, previous);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
