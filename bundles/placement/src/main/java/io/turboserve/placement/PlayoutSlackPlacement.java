package io.turboserve.placement;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.config.ConfigValues;
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
 * <li>A session is swapped in for once its pending chunk has waited {@code swapAfter}, or once its
 * user is about to run out of video, so a GPU that is about to be ready, or a slot about to free,
 * is not pre-empted for.
 * <li>A lender is an active session resident on a GPU that takes sessions, and either has no chunk
 * pending (its client is not reading, so it needs no GPU until the client reads again) or is being
 * served (its chunk has waited under half of {@code swapAfter}, so a session just swapped in is not
 * swapped out again before it gets a chunk) with at least {@link Settings#minSlack()} of playout
 * slack. Those not reading first, then the most slack. A swap is an offload then a restore, each
 * one state copy at host bandwidth.
 * <li>Slots that are already freeing (offloads of idle sessions from GPUs that take sessions, and
 * earlier swaps still in flight) are counted, so one shortage is not answered twice.
 * <li>A lend that rolls back (the host store is full) pauses lending for
 * {@link Settings#pauseAfterFailedLend()}, rather than failing again at every decision.
 * </ul>
 * With no shortage this is exactly {@code batching-aware}. Where the GPU cannot keep real time
 * (the measured H200 profile at four sessions), no session being served has slack to lend; only
 * sessions whose client is not reading lend.
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

        @AttributeDefinition(description = "After a lend rolls back (the host store is full, a copy failed), no "
                + "slot is lent for this long, in milliseconds (default 10000).")
        long pauseAfterFailedLendMillis() default 10_000;

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
     * @param pauseAfterFailedLend how long no slot is lent after a lend rolled back (a full host store)
     * @param inner     the settings of the batching-aware placement underneath
     */
    public record Settings(Duration swapAfter, Duration minSlack, int maxSwaps, Duration pauseAfterFailedLend,
            TurboServePlacement.Settings inner) {
        public Settings {
            Objects.requireNonNull(swapAfter, "swapAfter");
            Objects.requireNonNull(minSlack, "minSlack");
            Objects.requireNonNull(pauseAfterFailedLend, "pauseAfterFailedLend");
            Objects.requireNonNull(inner, "inner");
            if (pauseAfterFailedLend.isNegative()) {
                throw new IllegalArgumentException("pauseAfterFailedLend must be >= 0, got " + pauseAfterFailedLend);
            }
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

        /**
         * @return swap after 1 s, lend from 3 s of slack, 16 swaps a decision, 10 s without lending
         *         after a failed lend, turboserve's reference settings
         */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), Duration.ofSeconds(3), 16, Duration.ofSeconds(10),
                    TurboServePlacement.Settings.defaults());
        }

        static Settings from(Config c) {
            try {
                if (c.swapAfterMillis() < 0 || c.minSlackMillis() < 0 || c.pauseAfterFailedLendMillis() < 0) {
                    throw new IllegalArgumentException("swapAfterMillis, minSlackMillis and pauseAfterFailedLendMillis "
                            + "must be >= 0, got " + c.swapAfterMillis() + ", " + c.minSlackMillis() + " and "
                            + c.pauseAfterFailedLendMillis());
                }
                TurboServePlacement.Settings inner = new TurboServePlacement.Settings(c.offloadIdle(), c.eta(),
                        nonNegativeMillis("minGainMillis", c.minGainMillis()), c.rounds(), c.maxMigrations(),
                        nonNegativeMillis("rebalancePeriodMillis", c.rebalancePeriodMillis()));
                return new Settings(Duration.ofMillis(c.swapAfterMillis()), Duration.ofMillis(c.minSlackMillis()),
                        c.maxSwaps(), Duration.ofMillis(c.pauseAfterFailedLendMillis()), inner);
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
     * @param lendFailedAtNanos when a lend last rolled back (controller clock), or
     *                          {@code Long.MIN_VALUE}: no slot is lent for {@code pauseAfterFailedLend}
     *                          after it (the setting of the deciding instance, so a reconfigured
     *                          pause applies at once)
     */
    public record State(PolicyState inner, Set<String> swapping, long lendFailedAtNanos) implements PolicyState {
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
        this(ConfigValues.orDefaults(PID, Config.class, config, Settings::from));
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
        Set<String> offloading = new HashSet<>(plan.offloads());
        Set<String> migrating = new HashSet<>();
        for (var m : plan.migrations()) {
            migrating.add(m.sessionId());
        }
        long swapAfter = settings.swapAfter().toNanos();
        long failedAt = last == null ? Long.MIN_VALUE : last.lendFailedAtNanos();
        int waiting = 0;
        int freeing = 0;
        Set<String> stillSwapping = new HashSet<>();
        List<SessionView> lenders = new ArrayList<>();
        for (SessionView s : ordered.sessions()) {
            boolean swapped = last != null && last.swapping().contains(s.id());
            if (s.needsPlacement()) {
                // Only a session with a chunk pending waits for anything (one whose client is not
                // reading needs no GPU, even with swapAfter 0).
                if (!placed.contains(s.id()) && s.chunkRequestedNanos() >= 0
                        && (s.chunkWaitNanos(now) >= swapAfter || runningOut(s, swapAfter))) {
                    waiting++;
                }
            } else if (offloading.contains(s.id())) {
                // The inner policy offloads it (an idle session): a slot only if its GPU takes sessions.
                freeing += onReadyGpu(snapshot, s) ? 1 : 0;
            } else if (s.residency() == Residency.IN_TRANSIT && (s.lifecycle() == Lifecycle.IDLE || swapped)) {
                // Leaving a GPU for host memory: an idle offload, or a swap still copying (remembered
                // even on a GPU that began draining, so that its rollback still pauses lending). The
                // view cannot tell an idle session arriving on a GPU (a restore it went idle during,
                // rare) from one leaving: it counts as leaving, which delays a lend by one decision.
                freeing += onReadyGpu(snapshot, s) ? 1 : 0;
                if (swapped) {
                    stillSwapping.add(s.id());
                }
            } else if (swapped && s.residency() == Residency.RESIDENT) {
                // A lend that rolled back (the host store full, a failed copy): lend no more for a while.
                failedAt = now;
            } else if (!migrating.contains(s.id()) && lends(snapshot, s, now)) {
                lenders.add(s);
            }
        }
        boolean paused = failedAt != Long.MIN_VALUE && now - failedAt < settings.pauseAfterFailedLend().toNanos();
        int swaps = paused ? 0 : Math.min(Math.min(waiting - freeing, lenders.size()), settings.maxSwaps());
        if (swaps <= 0) {
            return new PlacementResult(plan, new State(r.next(), stillSwapping, failedAt));
        }
        // Sessions whose client is not reading need nothing now; then the most unwatched video.
        lenders.sort(Comparator.comparingInt((SessionView s) -> s.chunkRequestedNanos() < 0 ? 0 : 1)
                .thenComparing(Comparator.comparingLong(SessionView::playoutSlackNanos).reversed())
                .thenComparing(SessionView::id));
        List<String> offloads = new ArrayList<>(plan.offloads());
        for (SessionView v : lenders.subList(0, swaps)) {
            offloads.add(v.id());
            stillSwapping.add(v.id());
        }
        Plan withSwaps = new Plan(plan.placements(), plan.migrations(), offloads, plan.stepBatch());
        return new PlacementResult(withSwaps, new State(r.next(), stillSwapping, failedAt));
    }

    /**
     * Whether {@code s} may lend its slot: an active session resident on a GPU that takes sessions,
     * either paused because its client is not reading (no chunk pending: it needs no GPU until its
     * client reads again), or being served (its chunk has waited under half of {@code swapAfter})
     * with at least {@code minSlack} of unwatched video.
     */
    private boolean lends(ClusterSnapshot snapshot, SessionView s, long now) {
        if (s.lifecycle() != Lifecycle.ACTIVE || s.residency() != Residency.RESIDENT || !onReadyGpu(snapshot, s)) {
            return false;
        }
        if (s.chunkRequestedNanos() < 0) {
            return true;
        }
        return s.playoutSlackNanos() >= settings.minSlack().toNanos()
                && s.chunkWaitNanos(now) < settings.swapAfter().toNanos() / 2;
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

    /**
     * @return whether it waits for a chunk, its playout has begun and less than {@code horizon} of
     *         video is left (slack 0 means not begun); a session whose client is not reading has no
     *         chunk pending and is never urgent
     */
    private static boolean runningOut(SessionView s, long horizon) {
        return s.chunkRequestedNanos() >= 0 && s.playoutSlackNanos() != 0 && s.playoutSlackNanos() < horizon;
    }

    @Override
    public String toString() {
        return NAME + " " + settings;
    }
}
