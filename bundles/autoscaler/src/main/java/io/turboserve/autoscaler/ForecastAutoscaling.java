package io.turboserve.autoscaler;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BottleneckEstimator;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.ScalingResult;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.SessionView;
import java.time.Duration;
import java.util.Arrays;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Ours, beyond the paper: pack to the capacity that the worst chunk already costs, and buy headroom
 * only against the cold start, from what demand has actually done.
 *
 * <p>Why: a GPU's chunk latency is capped by K (at most K sessions resident), so at any budget some
 * GPU reaches K sessions at peak and the run's worst chunk is the K-session latency whatever ρ̂ is;
 * TurboServe's ρ̂ &lt; 1 headroom then pays GPU-seconds every second for latency it cannot lower.
 * What headroom does protect against is a GPU that is not there yet: active sessions arriving during
 * a cold start wait without a GPU. So the target is {@code M = ⌈(N + r) / (K·u)⌉}, with u the packing
 * utilisation (default 1) and r the larger of the largest rise of active sessions seen over any
 * interval as long as the cold start within the recent history (default 90 s, three of the
 * realistic runs' 30 s cold starts; DESIGN.md §10 compares 60, 90 and 120 s), and the growth of
 * the last cold start's length carried one cold start ahead: the burst that may come before a GPU
 * asked for now is ready. With no cold start, r = 0 and M = ⌈N/K⌉.
 *
 * <p>Scale-in holds a GPU no longer than it takes to get one back: min(the configured hold,
 * max(the cold start, a minimum hold)). The hold exists to amortise a cold start (ski rental:
 * keeping an idle GPU longer than a re-provision takes costs more than the re-provision). The
 * minimum (default 1 s, the controller's tick) filters the dips that last less than one decision
 * period, which the mechanisms themselves cause (a slot held until an offload commits, a session
 * between two steps); releasing on those drains GPUs only to provision them again at once, and the
 * migrations of that churn cost latency (the benchmark measured it with no hold at all: twelve times
 * the migrations and 2.8 times the mean worst chunk).
 */
@Component(configurationPid = ForecastAutoscaling.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + ForecastAutoscaling.NAME)
@Designate(ocd = ForecastAutoscaling.Config.class)
public final class ForecastAutoscaling implements AutoscalingPolicy {
    public static final String NAME = "forecast";
    public static final String PID = "io.turboserve.autoscaler.forecast";

    @ObjectClassDefinition(name = "TurboServe forecast autoscaling (cold-start-aware packing)")
    public @interface Config {
        @AttributeDefinition(description = "GPU cold start in ms: how far ahead demand is forecast (0: none).")
        long coldStartMillis() default 0;

        @AttributeDefinition(description = "How much demand history the forecast looks at, in ms.")
        long historyMillis() default 90_000;

        @AttributeDefinition(description = "Packing utilisation u in (0, 1]: the share of the K slots per GPU to fill.")
        double utilisation() default 1.0;

        @AttributeDefinition(description = "The shortest scale-in hold in ms (default 1000, the controller tick); the "
                + "hold is min(the controller's configured hold, max(cold start, this)).")
        long minHoldMillis() default 1_000;
    }

    /** The settings, validated once. */
    public record Settings(Duration coldStart, Duration history, double utilisation, Duration minHold) {
        public Settings {
            if (coldStart == null || coldStart.isNegative()) {
                throw new IllegalArgumentException(PID + ": coldStart must be a non-negative duration, got " + coldStart);
            }
            if (history == null || history.isNegative() || history.compareTo(coldStart) < 0) {
                throw new IllegalArgumentException(PID + ": history must be at least the cold start (" + coldStart
                        + "), got " + history);
            }
            if (!(utilisation > 0 && utilisation <= 1)) {
                throw new IllegalArgumentException(PID + ": utilisation must be in (0, 1], got " + utilisation);
            }
            if (minHold == null || minHold.isNegative()) {
                throw new IllegalArgumentException(PID + ": minHold must be a non-negative duration, got " + minHold);
            }
        }

        public Settings(Duration coldStart, Duration history, double utilisation) {
            this(coldStart, history, utilisation, Duration.ofSeconds(1));
        }

        public static Settings defaults() {
            return new Settings(Duration.ZERO, Duration.ofSeconds(90), 1.0);
        }

        public Settings withColdStart(Duration c) {
            return new Settings(c, history.compareTo(c) < 0 ? c : history, utilisation, minHold);
        }
    }

    /**
     * The demand history: the most active sessions seen in each whole second, oldest first.
     *
     * @param seconds the second (of the controller clock) of each sample
     * @param peaks   the peak active count in that second
     */
    public record History(long[] seconds, int[] peaks) implements PolicyState {
        static final History EMPTY = new History(new long[0], new int[0]);

        History record(long second, int active, long keepSeconds) {
            int n = seconds.length;
            if (n > 0 && seconds[n - 1] == second) {
                int[] p = peaks.clone();
                p[n - 1] = Math.max(p[n - 1], active);
                return new History(seconds, p);
            }
            int from = 0;
            while (from < n && seconds[from] < second - keepSeconds) {
                from++;
            }
            long[] s = Arrays.copyOfRange(seconds, from, n + 1);
            int[] p = Arrays.copyOfRange(peaks, from, n + 1);
            s[s.length - 1] = second;
            p[p.length - 1] = active;
            return new History(s, p);
        }

        /**
         * @return the rise the current trend carries {@code ahead} seconds on: the growth of the peak
         *         over the last {@code over} seconds, scaled to {@code ahead}; 0 when demand is not rising
         */
        int trendRise(long over, long ahead) {
            int n = seconds.length;
            if (n < 2) {
                return 0;
            }
            int i = n - 1;
            while (i > 0 && seconds[n - 1] - seconds[i - 1] <= over) {
                i--;
            }
            long span = seconds[n - 1] - seconds[i];
            int growth = peaks[n - 1] - peaks[i];
            if (span <= 0 || growth <= 0) {
                return 0;
            }
            return (int) Math.ceil((double) growth * ahead / span);
        }

        /** @return the largest rise of the peak over any window of {@code window} seconds. */
        int largestRise(long window) {
            int rise = 0;
            for (int j = 0; j < seconds.length; j++) {
                for (int i = j - 1; i >= 0 && seconds[j] - seconds[i] <= window; i--) {
                    rise = Math.max(rise, peaks[j] - peaks[i]);
                }
            }
            return rise;
        }
    }

    private volatile Settings settings;

    @Activate
    public ForecastAutoscaling(Config config) {
        ConfigValues.orDefaults(PID, Config.class, config, c -> {
            configure(c);
            return c;
        });
    }

    public ForecastAutoscaling(Settings settings) {
        this.settings = settings;
    }

    @Modified
    void configure(Config c) {
        ConfigValues.readable(PID, Config.class, c);
        settings = new Settings(Duration.ofMillis(c.coldStartMillis()), Duration.ofMillis(c.historyMillis()), c.utilisation(),
                Duration.ofMillis(c.minHoldMillis()));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Duration scaleInHold(Duration configured) {
        Settings s = settings;
        Duration wanted = s.coldStart().compareTo(s.minHold()) > 0 ? s.coldStart() : s.minHold();
        return configured.compareTo(wanted) < 0 ? configured : wanted;
    }

    @Override
    public ScalingResult scale(ClusterSnapshot snapshot, BottleneckEstimator bottleneckAt, PolicyState previous) {
        Settings s = settings;
        int active = snapshot.activeSessions();
        // Demand in slots, not just active users: a slot still held by an idle session whose
        // offload has not committed, or by a closed one whose step has not ended, cannot take a
        // session arriving now. Packing has no slack to hide them, so they count until freed.
        int held = 0;
        for (GpuView g : snapshot.gpus()) {
            held += snapshot.occupancy(g.id());
        }
        int waiting = 0;
        for (SessionView v : snapshot.sessions()) {
            if (v.needsPlacement()) {
                waiting++;
            }
        }
        int n = Math.max(active, held + waiting);
        int leaving = n - active;
        int k = snapshot.sessionsPerGpu();
        History h = previous instanceof History p ? p : History.EMPTY;
        long second = Math.floorDiv(snapshot.nowNanos(), 1_000_000_000L);
        h = h.record(second, n, s.history().toSeconds());
        long cold = Math.max(1, s.coldStart().toSeconds());
        // The larger of the worst rise seen within one cold start and the current trend carried one
        // cold start ahead: a burst now is bought for before the history holds it.
        int rise = s.coldStart().isZero() ? 0 : Math.max(h.largestRise(cold), h.trendRise(cold, cold));
        double perGpu = k * s.utilisation();
        int target = Math.max(snapshot.bounds().min(), (int) Math.ceil((n + rise) / perGpu - 1e-9));
        String reason = "N=" + active + " active (+" + leaving + " slots still held by idle or closed sessions), K=" + k + ", u=" + s.utilisation() + (rise > 0 ? ", cold-start headroom for a rise of "
                + rise + " sessions within " + s.coldStart().toSeconds() + " s" : "") + ": M=" + target;
        return new ScalingResult(target, h, reason);
    }
}
