package io.turboserve.placement;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Ours, beyond the paper: playout-slack (stall-aware) scheduling on top of {@code batching-aware}.
 *
 * <p>A session that is served generates video faster than its user watches it (on the reference
 * model, a 245 ms step at four sessions yields 750 ms of video), so it builds up <em>playout
 * slack</em>: video its user has not watched yet. When active sessions wait for a slot that no
 * GPU has (a burst that outruns a GPU's cold start, or a budget at its ceiling), every other policy
 * makes them wait for a GPU to be ready or a session to leave, which with a 30 s cold start is a
 * first chunk 20–30 s late. This one lends them slots instead: it offloads the resident sessions
 * with the most slack (their users keep watching what they have) and places the waiting ones in
 * the freed slots, and as long as the shortage lasts the sessions take turns, each swapped back in
 * once its own chunk has waited {@link Settings#swapAfter()}.
 * <ul>
 * <li>Waiting sessions are placed most urgent first (the inner policy fills free slots in snapshot
 * order, which this reorders): a swapped-out session whose user is about to run out of video, then
 * the longest-waiting chunk.
 * <li>A session is swapped in for only once its pending chunk has waited {@code swapAfter}, so a
 * GPU that is about to be ready, or a slot about to free, is not pre-empted for.
 * <li>A victim is an active session resident on a ready GPU whose playout slack is at least
 * {@link Settings#minSlack()} and whose pending chunk has waited less than {@code swapAfter} (it is
 * being served, so a session just swapped in is not swapped out again before it gets a chunk).
 * Most slack first. A swap is an offload then a restore, each one state copy at host bandwidth.
 * <li>Slots that are already freeing (offloads of idle sessions and earlier swaps still in flight)
 * are counted, so one shortage is not answered twice.
 * </ul>
 * With no shortage this is exactly {@code batching-aware}. Where the GPU cannot keep real time
 * (the measured H200 profile at four sessions), no session has slack to lend and nothing is swapped.
 */
@Component(configurationPid = PlayoutSlackPlacement.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + PlayoutSlackPlacement.NAME)
@Designate(ocd = PlayoutSlackPlacement.Config.class)
public final class PlayoutSlackPlacement implements PlacementPolicy {
    public static final String NAME = "playout-slack";
    public static final String PID = "io.turboserve.placement.playoutslack";

    @ObjectClassDefinition(name = "Playout-slack placement (ours)",
            description = "batching-aware placement that lends the slots of sessions with playout slack to "
                    + "sessions waiting for a GPU")
    public @interface Config {
        @AttributeDefinition(description = "A waiting session is swapped in once its pending chunk has waited "
                + "this long, in milliseconds (default 1000: one controller tick).")
        long swapAfterMillis() default 1000;

        @AttributeDefinition(description = "Only a session with at least this much unwatched video, in "
                + "milliseconds, lends its slot (default 3000: a swapped-out session waits about 1-2 s).")
        long minSlackMillis() default 3000;

        @AttributeDefinition(description = "The most swaps one decision starts (default 16).")
        int maxSwaps() default 16;

        @AttributeDefinition(description = "As turboserve: offload a session as soon as it goes idle.")
        boolean offloadIdle() default true;

        @AttributeDefinition(description = "As turboserve: η, the weight of migration cost in the gain (0.35).")
        double eta() default 0.35;

        @AttributeDefinition(description = "As turboserve: the least gain of a rebalancing move, ms (40).")
        long minGainMillis() default 40;

        @AttributeDefinition(description = "As turboserve: rebalancing rounds per decision (3).")
        int rounds() default 3;

        @AttributeDefinition(description = "As turboserve: migrations in flight at once (4).")
        int maxMigrations() default 4;

        @AttributeDefinition(description = "As turboserve: rebalance at least this often, ms (10000).")
        long rebalancePeriodMillis() default 10_000;
    }

    /**
     * The policy's constants.
     *
     * @param swapAfter how long a waiting session's chunk waits before a slot is lent to it
     * @param minSlack  the least playout slack a session must have to lend its slot
     * @param maxSwaps  the most swaps one decision starts
     * @param inner     the settings of the batching-aware placement underneath
     */
    public record Settings(Duration swapAfter, Duration minSlack, int maxSwaps, TurboServePlacement.Settings inner) {
        public Settings {
            Objects.requireNonNull(swapAfter, "swapAfter");
            Objects.requireNonNull(minSlack, "minSlack");
            Objects.requireNonNull(inner, "inner");
            if (swapAfter.isNegative()) {
                throw new IllegalArgumentException("swapAfter must be >= 0, got " + swapAfter);
            }
            if (minSlack.isNegative()) {
                throw new IllegalArgumentException("minSlack must be >= 0, got " + minSlack);
            }
            if (maxSwaps < 0) {
                throw new IllegalArgumentException("maxSwaps must be >= 0, got " + maxSwaps);
            }
        }

        /** @return swap after 1 s, lend from 3 s of slack, 16 swaps a decision, turboserve's reference settings. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), Duration.ofSeconds(3), 16, TurboServePlacement.Settings.defaults());
        }

        static Settings from(Config c) {
            try {
                if (c.swapAfterMillis() < 0 || c.minSlackMillis() < 0) {
                    throw new IllegalArgumentException("swapAfterMillis and minSlackMillis must be >= 0, got "
                            + c.swapAfterMillis() + " and " + c.minSlackMillis());
                }
                TurboServePlacement.Settings inner = new TurboServePlacement.Settings(c.offloadIdle(), c.eta(),
                        nonNegativeMillis("minGainMillis", c.minGainMillis()), c.rounds(), c.maxMigrations(),
                        nonNegativeMillis("rebalancePeriodMillis", c.rebalancePeriodMillis()));
                return new Settings(Duration.ofMillis(c.swapAfterMillis()), Duration.ofMillis(c.minSlackMillis()),
                        c.maxSwaps(), inner);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
            }
        }

        private static Duration nonNegativeMillis(String name, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be >= 0, got " + value);
            }
            return Duration.ofMillis(value);
        }
    }

    /**
     * What the policy remembers between decisions.
     *
     * @param inner    the batching-aware placement's state
     * @param swapping sessions this policy offloaded to lend their slot, while that offload may still run
     */
    public record State(PolicyState inner, Set<String> swapping) implements PolicyState {
        public State {
            Objects.requireNonNull(inner, "inner");
            swapping = Set.copyOf(swapping);
        }
    }

    private final Settings settings;
    private final BatchingAwarePlacement inner;

    public PlayoutSlackPlacement() {
        this(Settings.defaults());
    }

    public PlayoutSlackPlacement(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.inner = new BatchingAwarePlacement(settings.inner());
    }

    @Activate
    public PlayoutSlackPlacement(Config config) {
        this(Settings.from(config));
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PlacementResult plan(ClusterSnapshot snapshot, PolicyState previous) {
        long now = snapshot.nowNanos();
        State last = previous instanceof State s ? s : null;
        ClusterSnapshot ordered = byUrgency(snapshot);
        PlacementResult r = inner.plan(ordered, last == null ? PolicyState.NONE : last.inner());
        Plan plan = r.plan();

        Set<String> placed = new HashSet<>();
        for (Placement p : plan.placements()) {
            placed.add(p.sessionId());
        }
        long swapAfter = settings.swapAfter().toNanos();
        int waiting = 0;
        int freeing = plan.offloads().size();
        Set<String> stillSwapping = new HashSet<>();
        List<SessionView> lenders = new ArrayList<>();
        for (SessionView s : ordered.sessions()) {
            if (s.needsPlacement()) {
                if (!placed.contains(s.id()) && (s.chunkWaitNanos(now) >= swapAfter || runningOut(s, swapAfter))) {
                    waiting++;
                }
            } else if (s.residency() == Residency.IN_TRANSIT && onReadyGpu(snapshot, s)
                    && (s.lifecycle() == Lifecycle.IDLE || last != null && last.swapping().contains(s.id()))) {
                // Leaving a ready GPU for host memory: an idle offload, or a swap still copying.
                freeing++;
                if (s.lifecycle() != Lifecycle.IDLE) {
                    stillSwapping.add(s.id());
                }
            } else if (s.lifecycle() == Lifecycle.ACTIVE && s.residency() == Residency.RESIDENT
                    && onReadyGpu(snapshot, s) && s.playoutSlackNanos() >= settings.minSlack().toNanos()
                    && s.chunkWaitNanos(now) < swapAfter) {
                lenders.add(s);
            }
        }
        int swaps = Math.min(Math.min(waiting - freeing, lenders.size()), settings.maxSwaps());
        if (swaps <= 0) {
            return new PlacementResult(plan, new State(r.next(), stillSwapping));
        }
        lenders.sort(Comparator.comparingLong(SessionView::playoutSlackNanos).reversed()
                .thenComparing(SessionView::id));
        List<String> offloads = new ArrayList<>(plan.offloads());
        for (SessionView v : lenders.subList(0, swaps)) {
            offloads.add(v.id());
            stillSwapping.add(v.id());
        }
        Plan withSwaps = new Plan(plan.placements(), plan.migrations(), offloads, plan.stepBatch());
        return new PlacementResult(withSwaps, new State(r.next(), stillSwapping));
    }

    private static boolean onReadyGpu(ClusterSnapshot snapshot, SessionView s) {
        GpuView g = snapshot.gpu(s.gpu());
        return g != null && g.acceptsSessions();
    }

    /**
     * The snapshot with the sessions that need a GPU in order of urgency, the others where they
     * were: first those whose user is about to run out of video (playout begun, less than
     * {@code swapAfter} of slack left, least first), then the rest by how long their pending chunk
     * has waited, longest first (a session with no pending chunk last). A session swapped out for
     * another so comes back before its user stalls, as long as some session can lend a slot.
     */
    ClusterSnapshot byUrgency(ClusterSnapshot snapshot) {
        List<SessionView> needing = new ArrayList<>();
        for (SessionView s : snapshot.sessions()) {
            if (s.needsPlacement()) {
                needing.add(s);
            }
        }
        if (needing.size() < 2) {
            return snapshot;
        }
        long now = snapshot.nowNanos();
        long swapAfter = settings.swapAfter().toNanos();
        // Stable: equal keys keep arrival order.
        needing.sort(Comparator.comparingLong((SessionView s) -> runningOut(s, swapAfter) ? s.playoutSlackNanos()
                : Long.MAX_VALUE)
                .thenComparingLong(s -> s.chunkRequestedNanos() < 0 ? 1 : 0)
                .thenComparing(Comparator.comparingLong((SessionView s) -> s.chunkWaitNanos(now)).reversed()));
        List<SessionView> sessions = new ArrayList<>(snapshot.sessions().size());
        int next = 0;
        for (SessionView s : snapshot.sessions()) {
            sessions.add(s.needsPlacement() ? needing.get(next++) : s);
        }
        return new ClusterSnapshot(now, snapshot.sessionsPerGpu(), snapshot.maxBatch(), snapshot.budget(),
                snapshot.bounds(), snapshot.gpus(), sessions, snapshot.demand(), snapshot.latency());
    }

    /** @return whether its playout has begun and less than {@code horizon} of video is left (0 means not begun). */
    private static boolean runningOut(SessionView s, long horizon) {
        return s.playoutSlackNanos() != 0 && s.playoutSlackNanos() < horizon;
    }

    @Override
    public String toString() {
        return NAME + " " + settings;
    }
}
