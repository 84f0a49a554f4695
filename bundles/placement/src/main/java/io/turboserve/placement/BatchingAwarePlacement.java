package io.turboserve.placement;

import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.PolicyState;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Ours, beyond the paper: TurboServe's migration-aware min–max placement made batching-aware. A
 * session placed on a GPU joins its next coalesced step, so it first waits for the step running
 * there; its first chunk costs that wait plus the step with it, {@code wait(g) + L(n_g + 1)}. The
 * paper's placement ranks GPUs by {@code L(n_g + 1)} alone, so among equally loaded GPUs it may
 * pick one that has just started a long step; this one ranks by the sum (the controller publishes
 * each GPU's predicted step end), and otherwise decides exactly as {@code turboserve} does, with the
 * same settings (PID {@code io.turboserve.placement.turboserve} defaults; its own PID below).
 */
@Component(configurationPid = BatchingAwarePlacement.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + BatchingAwarePlacement.NAME)
@Designate(ocd = TurboServePlacement.Config.class)
public final class BatchingAwarePlacement implements PlacementPolicy {
    public static final String NAME = "batching-aware";
    public static final String PID = "io.turboserve.placement.batchingaware";

    private final TurboServePlacement delegate;

    public BatchingAwarePlacement() {
        this(TurboServePlacement.Settings.defaults());
    }

    public BatchingAwarePlacement(TurboServePlacement.Settings settings) {
        this.delegate = new TurboServePlacement(NAME, settings, true, true);
    }

    @Activate
    public BatchingAwarePlacement(TurboServePlacement.Config config) {
        this(TurboServePlacement.Settings.from(config));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        return delegate.plan(snapshot, previous);
    }
}
