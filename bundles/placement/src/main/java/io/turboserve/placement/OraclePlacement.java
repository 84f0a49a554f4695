package io.turboserve.placement;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The exhaustive oracle (DESIGN.md §9): on one snapshot, the plan that minimises
 * {@code L + η·Σκ} over every assignment of active sessions to GPUs (resident ones may migrate),
 * within the controller's capacity rules. It exists to measure the optimality gap of the other
 * policies; it is not meant to be replayed through whole traces. Beyond its size limits (4 ready
 * GPUs, 16 sessions to assign by default) it falls back to {@code turboserve} and logs that once.
 */
@Component(configurationPid = OraclePlacement.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + OraclePlacement.NAME)
@Designate(ocd = OraclePlacement.Config.class)
public final class OraclePlacement implements PlacementPolicy {
    public static final String NAME = "oracle";
    static final String PID = "io.turboserve.placement.oracle";
    private static final Logger LOG = System.getLogger(OraclePlacement.class.getName());

    @ObjectClassDefinition(name = "TurboServe exhaustive oracle placement")
    public @interface Config {
        @AttributeDefinition(description = "η, the weight of migration cost in L + η·Σκ (reference 0.35).")
        double eta() default 0.35;

        @AttributeDefinition(description = "Offload idle resident sessions at once, as turboserve does.")
        boolean offloadIdle() default true;

        @AttributeDefinition(description = "Search only up to this many ready GPUs (DESIGN.md §9: 4); beyond, "
                + "fall back to turboserve.")
        int maxReadyGpus() default 4;

        @AttributeDefinition(description = "Search only up to this many sessions to assign (DESIGN.md §9: 16); "
                + "beyond, fall back to turboserve.")
        int maxSessions() default 16;

        @AttributeDefinition(description = "Stop a search after this many nodes and keep the best plan found (a "
                + "guard for latency models that defeat the bound; 4 GPUs x 16 sessions needs far fewer).")
        long maxNodes() default 5_000_000;
    }

    /**
     * @param turboserve   the fallback's settings; {@code eta} and {@code offloadIdle} apply to the search too
     * @param maxReadyGpus the most ready GPUs searched exhaustively
     * @param maxSessions  the most sessions (resident active ones and ones to place) searched
     * @param maxNodes     the most search nodes per decision
     */
    public record Settings(TurboServePlacement.Settings turboserve, int maxReadyGpus, int maxSessions, long maxNodes) {
        public Settings {
            Objects.requireNonNull(turboserve, "turboserve");
            if (maxReadyGpus < 1) {
                throw new IllegalArgumentException("maxReadyGpus must be at least 1, got " + maxReadyGpus);
            }
            if (maxSessions < 0) {
                throw new IllegalArgumentException("maxSessions must be >= 0, got " + maxSessions);
            }
            if (maxNodes < 1) {
                throw new IllegalArgumentException("maxNodes must be at least 1, got " + maxNodes);
            }
        }

        /** @return turboserve's defaults, 4 GPUs, 16 sessions, 5 000 000 nodes. */
        public static Settings defaults() {
            return new Settings(TurboServePlacement.Settings.defaults(), 4, 16, 5_000_000);
        }

        static Settings from(Config c) {
            try {
                return new Settings(TurboServePlacement.Settings.defaults().withEta(c.eta())
                        .withOffloadIdle(c.offloadIdle()), c.maxReadyGpus(), c.maxSessions(), c.maxNodes());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The best plan for one snapshot.
     *
     * @param bottleneckNanos L after the plan
     * @param migrationNanos  Σκ of its migrations
     * @param objective       {@code L + η·Σκ}
     * @param unplaced        active sessions left without a GPU (there were not enough free slots)
     * @param exhaustive      false when the node limit stopped the search: then the best found
     * @param nodes           search nodes visited
     * @param placements      sessions to place
     * @param migrations      resident sessions to move
     */
    public record Solution(long bottleneckNanos, double migrationNanos, double objective, int unplaced,
            boolean exhaustive, long nodes, List<Placement> placements, List<Migration> migrations) {
        public Solution {
            placements = List.copyOf(placements);
            migrations = List.copyOf(migrations);
        }
    }

    private final Settings settings;
    private final TurboServePlacement fallback;
    private final AtomicBoolean toldFallback = new AtomicBoolean();
    private final AtomicBoolean toldNodeLimit = new AtomicBoolean();

    public OraclePlacement() {
        this(Settings.defaults());
    }

    public OraclePlacement(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fallback = new TurboServePlacement(settings.turboserve());
    }

    @Activate
    public OraclePlacement(Config config) {
        this(ConfigValues.orDefaults(PID, Config.class, config, Settings::from));
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * @return the least bottleneck L any single valid plan reaches from {@code snapshot}, migrations
     *         free (η = 0): the yardstick of the optimality gap of other policies' plans
     */
    public static long optimalBottleneckNanos(ClusterSnapshot snapshot) {
        return solve(snapshot, 0, Settings.defaults().maxNodes()).bottleneckNanos();
    }

    /** @return the plan minimising {@code L + eta·Σκ} on {@code snapshot}, searched up to {@code maxNodes} nodes. */
    public static Solution solve(ClusterSnapshot snapshot, double eta, long maxNodes) {
        return new OracleSearch(snapshot, eta, maxNodes).run();
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        int ready = 0;
        for (GpuView g : snapshot.gpus()) {
            if (g.acceptsSessions()) {
                ready++;
            }
        }
        // Building the search only collects its variables (linear in sessions); the search runs below.
        OracleSearch search = ready <= settings.maxReadyGpus()
                ? new OracleSearch(snapshot, settings.turboserve().eta(), settings.maxNodes()) : null;
        if (search == null || search.variables() > settings.maxSessions()) {
            if (!toldFallback.getAndSet(true)) {
                String size = search == null ? ready + " ready GPUs exceed " + settings.maxReadyGpus()
                        : search.variables() + " sessions to assign exceed " + settings.maxSessions();
                LOG.log(Level.INFO, "oracle: " + size + ", the limit of the exhaustive search; placing with "
                        + "turboserve instead (said once)");
            }
            return fallback.plan(snapshot, previous);
        }
        Solution best = search.run();
        if (!best.exhaustive() && !toldNodeLimit.getAndSet(true)) {
            LOG.log(Level.WARNING, "oracle: search stopped at " + settings.maxNodes()
                    + " nodes; using the best plan found (said once)");
        }
        return new PlacementResult(new Plan(best.placements(), best.migrations(), offloads(snapshot)), previous);
    }

    private List<String> offloads(ClusterSnapshot snapshot) {
        List<String> out = new ArrayList<>();
        for (SessionView s : snapshot.sessions()) {
            if (s.lifecycle() == Lifecycle.IDLE && s.residency() == Residency.RESIDENT) {
                GpuView g = snapshot.gpu(s.gpu());
                if (settings.turboserve().offloadIdle() || g == null || !g.acceptsSessions()) {
                    out.add(s.id());
                }
            }
        }
        return out;
    }
}
