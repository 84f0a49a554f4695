package io.turboserve.placement;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * TurboServe's migration-aware placement (DESIGN.md §5): bottleneck-minimising placement of
 * sessions that need a GPU, offload of idle sessions, and min–max rebalancing by migration with
 * gain {@code Γ = L − L′ − η·κ}, run periodically and at once around every scale-out and scale-in.
 *
 * <p>Pure: the plan depends only on the snapshot and the {@link State} handed back; the time of
 * the last rebalance and the ready GPUs it saw live in that state, not in fields. A configuration
 * change re-activates the component (no {@code @Modified}): the fields stay final.
 */
@Component(configurationPid = TurboServePlacement.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + TurboServePlacement.NAME)
@Designate(ocd = TurboServePlacement.Config.class)
public final class TurboServePlacement implements PlacementPolicy {
    public static final String NAME = "turboserve";
    static final String PID = "io.turboserve.placement.turboserve";

    @ObjectClassDefinition(name = "TurboServe migration-aware placement")
    public @interface Config {
        @AttributeDefinition(description = "Offload a session to host memory as soon as it goes idle (the paper's "
                + "default). When false, idle state stays resident until its slot is needed.")
        boolean offloadIdle() default true;

        @AttributeDefinition(description = "η: nanoseconds of bottleneck latency one nanosecond of migration is "
                + "worth in the gain Γ = L − L′ − η·κ (reference 0.35).")
        double eta() default 0.35;

        @AttributeDefinition(description = "A rebalancing move is applied only when its gain Γ exceeds this, in "
                + "milliseconds (reference 40).")
        long minGainMillis() default 40;

        @AttributeDefinition(description = "Rebalancing rounds per decision (reference 3).")
        int rounds() default 3;

        @AttributeDefinition(description = "Migrations in flight at once: those running plus those one decision "
                + "asks for, draining included (4, the controller's default bound).")
        int maxMigrations() default 4;

        @AttributeDefinition(description = "Rebalance at least this often, in milliseconds (DESIGN.md §9: 10 s).")
        long rebalancePeriodMillis() default 10_000;
    }

    /**
     * The policy's constants, validated in one place.
     *
     * @param offloadIdle     offload idle resident sessions at once (true) or only when their slot is needed
     * @param eta             η, the weight of migration cost κ against latency in Γ
     * @param minGain         a move must gain more than this
     * @param rounds          rebalancing rounds per decision
     * @param maxMigrations   migrations in flight: running ones plus this decision's
     * @param rebalancePeriod the period of rebalancing when nothing else triggers it
     */
    public record Settings(boolean offloadIdle, double eta, Duration minGain, int rounds, int maxMigrations,
            Duration rebalancePeriod) {
        public Settings {
            Objects.requireNonNull(minGain, "minGain");
            Objects.requireNonNull(rebalancePeriod, "rebalancePeriod");
            if (!(eta >= 0) || Double.isInfinite(eta)) {
                throw new IllegalArgumentException("eta must be a finite number >= 0, got " + eta);
            }
            if (minGain.isNegative()) {
                throw new IllegalArgumentException("minGain must be >= 0, got " + minGain);
            }
            if (rounds < 0) {
                throw new IllegalArgumentException("rounds must be >= 0, got " + rounds);
            }
            if (maxMigrations < 0) {
                throw new IllegalArgumentException("maxMigrations must be >= 0, got " + maxMigrations);
            }
            if (rebalancePeriod.isNegative()) {
                throw new IllegalArgumentException("rebalancePeriod must be >= 0, got " + rebalancePeriod);
            }
        }

        /** @return the reference values: offload idle, η 0.35, 40 ms, 3 rounds, 4 migrations, 10 s. */
        public static Settings defaults() {
            return new Settings(true, 0.35, Duration.ofMillis(40), 3, 4, Duration.ofSeconds(10));
        }

        /** The configuration as settings; what is rejected is named with the PID, as operators see it. */
        static Settings from(Config c) {
            try {
                return new Settings(c.offloadIdle(), c.eta(), millis("minGainMillis", c.minGainMillis()), c.rounds(),
                        c.maxMigrations(), millis("rebalancePeriodMillis", c.rebalancePeriodMillis()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
            }
        }

        private static Duration millis(String name, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be >= 0, got " + value);
            }
            return Duration.ofMillis(value);
        }

        public Settings withOffloadIdle(boolean v) {
            return new Settings(v, eta, minGain, rounds, maxMigrations, rebalancePeriod);
        }

        public Settings withEta(double v) {
            return new Settings(offloadIdle, v, minGain, rounds, maxMigrations, rebalancePeriod);
        }

        public Settings withMinGain(Duration v) {
            return new Settings(offloadIdle, eta, v, rounds, maxMigrations, rebalancePeriod);
        }

        public Settings withRounds(int v) {
            return new Settings(offloadIdle, eta, minGain, v, maxMigrations, rebalancePeriod);
        }

        public Settings withMaxMigrations(int v) {
            return new Settings(offloadIdle, eta, minGain, rounds, v, rebalancePeriod);
        }

        public Settings withRebalancePeriod(Duration v) {
            return new Settings(offloadIdle, eta, minGain, rounds, maxMigrations, v);
        }
    }

    /**
     * What the policy remembers between decisions.
     *
     * @param lastRebalanceNanos when it last rebalanced (controller clock)
     * @param readyGpus          the ready GPU ids it saw last, ascending: a change is a scale-out or scale-in
     */
    public record State(long lastRebalanceNanos, List<Integer> readyGpus) implements PolicyState {
        public State {
            readyGpus = List.copyOf(readyGpus);
        }
    }

    private final String name;
    private final Settings settings;
    private final boolean migrating;
    private final boolean stepAware;

    /** The policy at its reference settings. */
    public TurboServePlacement() {
        this(Settings.defaults());
    }

    public TurboServePlacement(Settings settings) {
        this(NAME, settings, true);
    }

    @Activate
    public TurboServePlacement(Config config) {
        this(ConfigValues.orDefaults(PID, Config.class, config, Settings::from));
    }

    TurboServePlacement(String name, Settings settings, boolean migrating) {
        this(name, settings, migrating, false);
    }

    TurboServePlacement(String name, Settings settings, boolean migrating, boolean stepAware) {
        this.name = name;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.migrating = migrating;
        this.stepAware = stepAware;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        GpuLoad load = new GpuLoad(snapshot, stepAware);
        List<Placement> placements = new ArrayList<>();
        int unplaced = place(snapshot, load, placements);
        List<String> offloads = offloads(snapshot, load, unplaced);
        if (!migrating) {
            return new PlacementResult(new Plan(placements, List.of(), offloads), PolicyState.NONE);
        }
        State last = previous instanceof State s ? s : null;
        List<Integer> ready = load.readyIds();
        long now = snapshot.nowNanos();
        // Rebalance at once around a scale-out (a GPU became ready) or a scale-in (a GPU left the
        // ready set or is draining), at the first decision, and otherwise once per period.
        boolean due = last == null || !last.readyGpus().equals(ready) || load.anyDraining()
                || now - last.lastRebalanceNanos() >= settings.rebalancePeriod().toNanos();
        List<Migration> migrations = List.of();
        if (due) {
            MinMaxRebalancer rebalancer = new MinMaxRebalancer(snapshot.latency(), load, settings);
            rebalancer.evacuateDraining();
            rebalancer.rebalance();
            migrations = rebalancer.migrations();
        }
        State next = new State(due ? now : last.lastRebalanceNanos(), ready);
        return new PlacementResult(new Plan(placements, migrations, offloads), next);
    }

    /**
     * Bottleneck-minimising placement, one session at a time in snapshot order: session s goes to
     * {@code argmin_g max(L, chunk(g, n_g + 1))} over ready GPUs with a free slot, ties to the lighter
     * GPU (lower {@code chunk(g, n_g + 1)}, then fewer slots taken) then lower id; {@link GpuLoad}
     * keeps the GPUs in that order.
     *
     * @return how many active sessions found no GPU
     */
    private static int place(ClusterSnapshot snapshot, GpuLoad load, List<Placement> out) {
        int unplaced = 0;
        for (SessionView s : snapshot.sessions()) {
            if (!s.needsPlacement()) {
                continue;
            }
            int g = load.bestTarget();
            if (g < 0) {
                unplaced++;
                continue;
            }
            load.place(g);
            out.add(new Placement(s.id(), load.id(g)));
        }
        return unplaced;
    }

    /**
     * Idle resident sessions to offload. With {@code offloadIdle} (the paper) every one of them;
     * otherwise those on GPUs that take no sessions (draining), and, when active sessions found no
     * GPU, that many more from ready GPUs (less the idle offloads already running there), idle
     * longest first. Their slots free when the offloads complete, which the controller answers
     * with a new decision that places the waiting sessions.
     */
    private List<String> offloads(ClusterSnapshot snapshot, GpuLoad load, int unplaced) {
        List<String> out = new ArrayList<>();
        List<SessionView> spare = new ArrayList<>();
        int freeing = 0;
        for (SessionView s : snapshot.sessions()) {
            if (s.lifecycle() != Lifecycle.IDLE) {
                continue;
            }
            int i = load.indexOf(s.gpu());
            if (s.residency() == Residency.IN_TRANSIT && i >= 0 && load.ready(i)) {
                // An idle session in transit on a GPU is, but for a rare race, being offloaded
                // (this policy restores and migrates only active ones): its slot frees soon.
                freeing++;
            } else if (s.residency() == Residency.RESIDENT) {
                if (settings.offloadIdle() || i < 0 || !load.ready(i)) {
                    out.add(s.id());
                } else {
                    spare.add(s);
                }
            }
        }
        spare.sort(Comparator.comparingLong(SessionView::lifecycleSinceNanos));
        for (int n = 0; n < unplaced - freeing && n < spare.size(); n++) {
            out.add(spare.get(n).id());
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + settings;
    }
}
