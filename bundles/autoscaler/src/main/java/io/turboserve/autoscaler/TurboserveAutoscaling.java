package io.turboserve.autoscaler;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BottleneckEstimator;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.DemandStats;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.ScalingResult;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * TurboServe's load-driven autoscaling (DESIGN.md sections 5 and 9): enough GPUs for the active
 * sessions at a target utilisation ρ̂, with (λ, ρ̂) chosen by the level of recent demand volatility
 * and λ weighing the predicted bottleneck latency against cost. It states the budget it wants now;
 * the controller clamps it and applies the scale-in hold around it, once for every policy, so
 * scale-out is immediate and there is no hold in here.
 *
 * <p>Pure: everything it remembers is the {@link TurboserveState} it returns. Constructible outside
 * OSGi ({@link #TurboserveAutoscaling(Settings)}) so that the simulator runs it on a plain class path.
 */
@Component(configurationPid = TurboserveAutoscaling.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = PlacementPolicy.POLICY_NAME + "=" + TurboserveAutoscaling.NAME)
@Designate(ocd = TurboserveAutoscaling.Config.class)
public final class TurboserveAutoscaling implements AutoscalingPolicy {
    /** The {@code policy.name} of this policy. */
    public static final String NAME = "turboserve";
    /** The ConfigAdmin PID; validation messages start with it. */
    public static final String PID = "io.turboserve.autoscaler.turboserve";

    private static final Logger LOG = System.getLogger(TurboserveAutoscaling.class.getName());
    private static final double NANOS_PER_SECOND = 1e9;

    /** The defaults are the paper's levels (DESIGN.md section 9). */
    @ObjectClassDefinition(name = "TurboServe load-driven autoscaling")
    public @interface Config {
        @AttributeDefinition(description = "Target utilisation ρ̂ at low volatility, in (0, 1].")
        double rhoLow() default 0.9;

        @AttributeDefinition(description = "Target utilisation ρ̂ at medium volatility, in (0, 1].")
        double rhoMedium() default 0.8;

        @AttributeDefinition(description = "Target utilisation ρ̂ at high volatility, in (0, 1].")
        double rhoHigh() default 0.7;

        @AttributeDefinition(description = "λ at low volatility: GPUs one second of bottleneck latency is worth; 0 = the paper's rule alone.")
        double lambdaLow() default 0;

        @AttributeDefinition(description = "λ at medium volatility, GPUs per second of bottleneck latency.")
        double lambdaMedium() default 4;

        @AttributeDefinition(description = "λ at high volatility, GPUs per second of bottleneck latency.")
        double lambdaHigh() default 8;

        @AttributeDefinition(description = "Transition CV from which demand is medium (inclusive); below it, low.")
        double mediumCvFrom() default 0.5;

        @AttributeDefinition(description = "Transition CV above which demand is high (exclusive); up to it, medium.")
        double highCvAbove() default 1.0;

        @AttributeDefinition(description = "Budgets above the ρ̂ target that λ may choose (each costs one bottleneckAt what-if).")
        int extraCandidates() default 2;

        @AttributeDefinition(description = "GPU cold start in ms; above 0, a rising demand trend gets GPUs for what arrives during a cold start. 0 = the paper's rule.")
        long coldStartMillis() default 0;
    }

    /**
     * The policy's settings, plain and immutable; validated here, the one place, with a message
     * naming what was rejected.
     *
     * @param rhoLow          ρ̂ at {@link Volatility#LOW} (0.9)
     * @param rhoMedium       ρ̂ at {@link Volatility#MEDIUM} (0.8)
     * @param rhoHigh         ρ̂ at {@link Volatility#HIGH} (0.7)
     * @param lambdaLow       λ at low volatility, GPUs per second of bottleneck latency (0)
     * @param lambdaMedium    λ at medium volatility (4)
     * @param lambdaHigh      λ at high volatility (8)
     * @param mediumCvFrom    CV from which demand is medium, inclusive (0.5)
     * @param highCvAbove     CV above which demand is high, exclusive (1.0); so 0.5 and 1.0 are both
     *                        medium, as in "0.5–1"
     * @param extraCandidates budgets above the ρ̂ target that λ may choose (2)
     * @param coldStart       GPU cold start for the rising-trend headroom (0: off, the paper's rule)
     */
    public record Settings(double rhoLow, double rhoMedium, double rhoHigh, double lambdaLow, double lambdaMedium,
            double lambdaHigh, double mediumCvFrom, double highCvAbove, int extraCandidates, Duration coldStart) {
        public Settings {
            rho("rhoLow", rhoLow);
            rho("rhoMedium", rhoMedium);
            rho("rhoHigh", rhoHigh);
            lambda("lambdaLow", lambdaLow);
            lambda("lambdaMedium", lambdaMedium);
            lambda("lambdaHigh", lambdaHigh);
            if (!(mediumCvFrom >= 0) || Double.isInfinite(mediumCvFrom)) {
                throw invalid("mediumCvFrom must be a finite number at least 0, got " + mediumCvFrom);
            }
            if (!(highCvAbove > mediumCvFrom) || Double.isInfinite(highCvAbove)) {
                throw invalid("level thresholds must ascend: highCvAbove " + highCvAbove
                        + " must be finite and above mediumCvFrom " + mediumCvFrom);
            }
            if (extraCandidates < 0) {
                throw invalid("extraCandidates must be at least 0, got " + extraCandidates);
            }
            if (coldStart == null || coldStart.isNegative()) {
                throw invalid("coldStart must be a non-negative duration, got " + coldStart);
            }
        }

        /** @return the paper's levels, two extra candidates, no cold start (DESIGN.md section 9). */
        public static Settings defaults() {
            return new Settings(0.9, 0.8, 0.7, 0, 4, 8, 0.5, 1.0, 2, Duration.ZERO);
        }

        /**
         * @param cv the transition CV of the demand window; NaN when unknown
         * @return its level: unknown volatility is taken as high, never as calm (a missing metric is
         *         not zero), so the policy errs towards headroom
         */
        public Volatility level(double cv) {
            if (Double.isNaN(cv)) {
                return Volatility.HIGH;
            }
            if (cv < mediumCvFrom) {
                return Volatility.LOW;
            }
            return cv <= highCvAbove ? Volatility.MEDIUM : Volatility.HIGH;
        }

        /** @return ρ̂ at {@code level}. */
        public double rho(Volatility level) {
            return switch (level) {
                case LOW -> rhoLow;
                case MEDIUM -> rhoMedium;
                case HIGH -> rhoHigh;
            };
        }

        /** @return λ at {@code level}, GPUs per second of bottleneck latency. */
        public double lambda(Volatility level) {
            return switch (level) {
                case LOW -> lambdaLow;
                case MEDIUM -> lambdaMedium;
                case HIGH -> lambdaHigh;
            };
        }

        private static void rho(String name, double value) {
            if (!(value > 0 && value <= 1)) {
                throw invalid(name + " must be in (0, 1], got " + value);
            }
        }

        private static void lambda(String name, double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw invalid(name + " must be a finite number at least 0, got " + value);
            }
        }

        private static IllegalArgumentException invalid(String message) {
            return new IllegalArgumentException(PID + ": " + message);
        }
    }

    private volatile Settings settings;

    /**
     * The policy without OSGi. SCR never calls this one: a {@code Settings} parameter is nothing DS
     * can inject, so the {@code @Activate} constructor is the only one-argument match.
     *
     * @param settings the policy's settings, e.g. {@link Settings#defaults()}
     */
    public TurboserveAutoscaling(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        LOG.log(Level.DEBUG, () -> NAME + " autoscaling: " + settings);
    }

    @Activate
    public TurboserveAutoscaling(Config config) {
        this(ConfigValues.<Config, Settings>orDefaults(PID, Config.class, config, TurboserveAutoscaling::settings));
    }

    @Modified
    void configure(Config config) {
        Settings s = settings(config);
        settings = s;
        LOG.log(Level.INFO, () -> NAME + " autoscaling reconfigured: " + s);
    }

    /** @return the settings a configuration stands for, validated. */
    static Settings settings(Config c) {
        ConfigValues.readable(PID, Config.class, c);
        if (c.coldStartMillis() < 0) {
            throw new IllegalArgumentException(PID + ": coldStartMillis must be at least 0, got " + c.coldStartMillis());
        }
        return new Settings(c.rhoLow(), c.rhoMedium(), c.rhoHigh(), c.lambdaLow(), c.lambdaMedium(), c.lambdaHigh(),
                c.mediumCvFrom(), c.highCvAbove(), c.extraCandidates(), Duration.ofMillis(c.coldStartMillis()));
    }

    /** @return the settings in force. */
    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The paper's target, weighed by latency:
     *
     * <pre>
     *   M_ρ = max(⌈N/K⌉, ⌈N/(K·ρ̂)⌉) + H              H = cold-start headroom, 0 unless enabled
     *   M   = argmin c·M' + λ·L*(M'),  c = 1 GPU,      M' ∈ [clamp(M_ρ), clamp(M_ρ + extraCandidates)]
     * </pre>
     *
     * with N the active sessions, K the sessions per GPU, (λ, ρ̂) those of the volatility level and
     * {@code L*(M') = bottleneckAt(M')} in seconds. Candidates start at the ρ̂ target, not below it:
     * ρ̂'s headroom is for demand still to come, which the bottleneck of today's sessions cannot
     * see, so λ may buy latency with more GPUs but never trade that headroom for cost (with c·M'
     * in the objective any lower candidate would win whenever latency is flat). So λ = 0 or a flat
     * L* keeps the ρ̂ target, and M is never below ⌈N/K⌉ unless the bounds' maximum is. Ties go to
     * the cheaper budget. N = 0 asks for the bounds' minimum. Each candidate costs one what-if
     * placement; λ = 0 asks for just one, so that the reason can state L*(M).
     */
    @Override
    public ScalingResult scale(ClusterSnapshot snapshot, BottleneckEstimator bottleneckAt, PolicyState previous) {
        Settings s = settings;
        TurboserveState was = previous instanceof TurboserveState t ? t : null;
        DemandStats demand = snapshot.demand();
        double cv = demand == null ? Double.NaN : demand.transitionCv();
        Volatility level = s.level(cv);
        int n = snapshot.activeSessions();
        TurboserveState.Trend trend = was == null ? TurboserveState.Trend.start(snapshot.nowNanos(), n)
                : was.trend().observe(snapshot.nowNanos(), n, binNanos(demand));
        TurboserveState next = new TurboserveState(level, trend);
        if (was != null && was.level() != level) {
            LOG.log(Level.DEBUG, () -> NAME + " autoscaling: volatility " + was.level().label() + " -> " + level.label());
        }
        String volatility = String.format(Locale.ROOT, "volatility %s (cv %s%s)", level.label(),
                Double.isNaN(cv) ? "unknown" : String.format(Locale.ROOT, "%.2f", cv),
                was != null && was.level() != level ? ", was " + was.level().label() : "");
        BudgetBounds bounds = snapshot.bounds();
        if (n == 0) {
            return new ScalingResult(bounds.min(), next,
                    "N=0 active: the minimum budget M=" + bounds.min() + "; " + volatility);
        }

        int k = snapshot.sessionsPerGpu();
        double rho = s.rho(level);
        double lambda = s.lambda(level);
        int packed = ceil((double) n / k);                 // ⌈N/K⌉: every active session on a GPU
        int utilised = ceil(n / (k * rho));                // ⌈N/(K·ρ̂)⌉: utilisation at most ρ̂
        int headroom = ceil(trend.expectedRise(s.coldStart().toNanos()) / k); // ⌈rise·coldStart/Δt / K⌉
        long wanted = (long) Math.max(packed, utilised) + headroom;
        int lo = bounds.clamp((int) Math.min(Integer.MAX_VALUE, wanted));
        int hi = lambda > 0 ? bounds.clamp((int) Math.min(Integer.MAX_VALUE, wanted + s.extraCandidates())) : lo;

        int best = lo;
        long bestLatency = bottleneckAt.bottleneckNanosAt(lo);
        double bestObjective = lo + lambda * bestLatency / NANOS_PER_SECOND;
        for (int m = lo + 1; m <= hi; m++) {
            long latency = bottleneckAt.bottleneckNanosAt(m);
            double objective = m + lambda * latency / NANOS_PER_SECOND;
            if (objective < bestObjective) {
                best = m;
                bestLatency = latency;
                bestObjective = objective;
            }
        }

        StringBuilder reason = new StringBuilder(String.format(Locale.ROOT,
                "N=%d active, K=%d; %s: rho %.2f, lambda %s GPU/s; ceil(%d/%d)=%d, ceil(%d/%s)=%d", n, k, volatility,
                rho, number(lambda), n, k, packed, n, number(k * rho), utilised));
        if (headroom > 0) {
            reason.append(String.format(Locale.ROOT, "; cold start %d ms, active %+d in %d ms: +%d GPU headroom",
                    s.coldStart().toMillis(), trend.rise(), trend.riseNanos() / 1_000_000, headroom));
        }
        if (wanted != lo) {
            reason.append("; ").append(wanted).append(" clamped to [").append(bounds.min()).append(", ")
                    .append(bounds.max()).append(']');
        }
        if (hi > lo) {
            reason.append(String.format(Locale.ROOT, "; min M+lambda*L* over M=%d..%d", lo, hi));
        }
        reason.append(String.format(Locale.ROOT, "; M=%d, L*(%d)=%.1f ms", best, best, bestLatency / 1e6));
        return new ScalingResult(best, next, reason.toString());
    }

    /** @return the demand window's bin length, the span over which the trend is measured; 0 if unknown. */
    private static long binNanos(DemandStats demand) {
        if (demand == null || demand.transitionsPerBin().isEmpty()) {
            return 0;
        }
        return demand.windowNanos() / demand.transitionsPerBin().size();
    }

    /**
     * ⌈x⌉ forgiving the last bits of binary rounding: ρ̂ = 0.7 is 0.69999… in binary, so 42/(4·0.7)
     * evaluates to 15.000000000000002, which a plain ceiling would make 16 GPUs.
     */
    static int ceil(double x) {
        if (!(x > 0)) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(x - 1e-9 * Math.max(1, x)));
    }

    /** @return {@code x} without a trailing ".0" when it is whole (4, 3.6, 0.5). */
    private static String number(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : String.format(Locale.ROOT, "%.2f", x).replaceAll("0+$", "");
    }
}
