package io.turboserve.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A seeded synthetic workload with heavy-tailed session lengths, idle gaps and bursts.
 *
 * <p>The model:
 * <ul>
 *   <li><b>Arrivals</b>: a Poisson process whose rate {@code λ(t) = λ0 · m(t)} is modulated by
 *       on/off bursts: calm periods (exponential, mean {@code calmMeanSeconds}, m = 1) alternate
 *       with bursts (exponential, mean {@code burstMeanSeconds}, m = {@code burstFactor}). Drawn by
 *       time change: unit-rate epochs {@code e_k} map to {@code t_k = M⁻¹(e_k / λ0)} with
 *       {@code M(t) = ∫m}.</li>
 *   <li><b>Sessions</b>: active on arrival with probability {@code activeOnArrival} (otherwise an
 *       idle gap first); a geometric number of active periods (mean {@code meanTurns}), each
 *       log-normal (median {@code activeMedianSeconds}, shape {@code activeSigma}, capped at 20
 *       min); Pareto idle gaps between them (scale {@code idleMinSeconds}, tail index
 *       {@code idleAlpha}, capped at 10 min); a Pareto linger (scale {@code lingerMinSeconds}) after
 *       the last active period, then departure.</li>
 *   <li><b>Sizing</b>: {@code λ0} is found by bisection so that the peak of active sessions is as
 *       close as possible to {@code targetPeakActive} (DESIGN.md section 9: generators scale their
 *       rate to the cluster).</li>
 * </ul>
 * Session k's shape and the burst schedule come from their own seeded streams, so the search over
 * {@code λ0} sees the same sessions and bursts at every rate, and a seed gives the same workload.
 */
public final class SyntheticWorkload {
    private static final double MAX_ACTIVE_S = 1200;
    private static final double MAX_IDLE_S = 600;
    private static final double MAX_LINGER_S = 300;

    /**
     * The generator's knobs; {@link #defaults()} documents the defaults.
     *
     * @param meanTurns           mean number of active periods per session (geometric, ≥ 1)
     * @param activeMedianSeconds median length of an active period (log-normal)
     * @param activeSigma         log-normal shape of active periods (larger: heavier tail)
     * @param idleMinSeconds      Pareto scale of idle gaps
     * @param idleAlpha           Pareto tail index of idle gaps (smaller: heavier tail; > 1)
     * @param lingerMinSeconds    Pareto scale of the idle time before departure
     * @param activeOnArrival     probability that the user is active on arrival
     * @param burstFactor         arrival rate multiplier during a burst (1: no bursts)
     * @param burstMeanSeconds    mean length of a burst
     * @param calmMeanSeconds     mean length of a calm period between bursts
     */
    public record Knobs(double meanTurns, double activeMedianSeconds, double activeSigma, double idleMinSeconds,
            double idleAlpha, double lingerMinSeconds, double activeOnArrival, double burstFactor,
            double burstMeanSeconds, double calmMeanSeconds) {

        public Knobs {
            check(meanTurns >= 1, "meanTurns must be at least 1, got " + meanTurns);
            check(activeMedianSeconds > 0, "activeMedianSeconds must be positive, got " + activeMedianSeconds);
            check(activeSigma >= 0, "activeSigma must not be negative, got " + activeSigma);
            check(idleMinSeconds > 0, "idleMinSeconds must be positive, got " + idleMinSeconds);
            check(idleAlpha > 1, "idleAlpha must be above 1 (a finite mean), got " + idleAlpha);
            check(lingerMinSeconds > 0, "lingerMinSeconds must be positive, got " + lingerMinSeconds);
            check(activeOnArrival >= 0 && activeOnArrival <= 1, "activeOnArrival must be a probability, got "
                    + activeOnArrival);
            check(burstFactor >= 1, "burstFactor must be at least 1, got " + burstFactor);
            check(burstMeanSeconds > 0, "burstMeanSeconds must be positive, got " + burstMeanSeconds);
            check(calmMeanSeconds > 0, "calmMeanSeconds must be positive, got " + calmMeanSeconds);
        }

        /**
         * Defaults: 3 active periods of median 20 s (σ 1.0: a tenth of them over a minute), idle gaps
         * Pareto(5 s, 1.5) (mean 15 s, some minutes long), linger Pareto(2 s, 1.5), 80 % active on
         * arrival, bursts of 4× the calm rate lasting 45 s on average every ~3 min.
         */
        public static Knobs defaults() {
            return new Knobs(3, 20, 1.0, 5, 1.5, 2, 0.8, 4, 45, 180);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    private SyntheticWorkload() {
    }

    /** Generates with the default knobs. */
    public static Workload generate(long seed, int targetPeakActive, long durationNanos) {
        return generate(seed, targetPeakActive, durationNanos, Knobs.defaults());
    }

    /**
     * Generates a workload whose peak of active sessions is ≈ {@code targetPeakActive}.
     *
     * <p>Algorithm: draw the burst schedule once; draw session shapes lazily by index; bracket λ0
     * around Little's estimate (target / mean active time per session) and bisect on log λ0, each
     * step mapping the same unit-rate epochs to arrival times and measuring the peak by a sweep;
     * keep the λ0 whose peak is closest to the target.
     */
    public static Workload generate(long seed, int targetPeakActive, long durationNanos, Knobs knobs) {
        if (targetPeakActive < 1) {
            throw new IllegalArgumentException("targetPeakActive must be at least 1, got " + targetPeakActive);
        }
        if (durationNanos <= 0) {
            throw new IllegalArgumentException("durationNanos must be positive, got " + durationNanos);
        }
        Bursts bursts = new Bursts(Rng.of(seed, 0xB0L), knobs, durationNanos / 1e9);
        Shapes shapes = new Shapes(seed, knobs);
        double perSession = shapes.meanActiveSeconds(512);
        double guess = targetPeakActive / perSession;
        SessionPlan.Intervals intervals = new SessionPlan.Intervals();

        double lo = Math.log(guess / 8);
        double hi = Math.log(guess * 8);
        // Widen the bracket if the guess was far off (extreme knobs).
        for (int i = 0; i < 8 && peak(lo, bursts, shapes, durationNanos, seed, intervals) > targetPeakActive; i++) {
            lo -= Math.log(8);
        }
        for (int i = 0; i < 8 && peak(hi, bursts, shapes, durationNanos, seed, intervals) < targetPeakActive; i++) {
            hi += Math.log(8);
        }
        double best = (lo + hi) / 2;
        int bestPeak = -1;
        for (int iter = 0; iter < 40; iter++) {
            double mid = (lo + hi) / 2;
            int p = peak(mid, bursts, shapes, durationNanos, seed, intervals);
            if (bestPeak < 0 || Math.abs(p - targetPeakActive) < Math.abs(bestPeak - targetPeakActive)) {
                bestPeak = p;
                best = mid;
            }
            if (p > targetPeakActive) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        List<SessionPlan> plans = plans(best, bursts, shapes, durationNanos, seed);
        String description = String.format(Locale.ROOT,
                "synthetic: seed %d, base arrival rate %.4f/s, %d sessions, peak active %d for target %d, %s",
                seed, Math.exp(best), plans.size(), bestPeak, targetPeakActive, knobs);
        return SessionPlan.toWorkload("synthetic-" + targetPeakActive + "-s" + seed, description, durationNanos, plans);
    }

    private static int peak(double logRate, Bursts bursts, Shapes shapes, long duration, long seed,
            SessionPlan.Intervals intervals) {
        intervals.clear();
        for (SessionPlan p : plans(logRate, bursts, shapes, duration, seed)) {
            p.activeIntervals(duration, intervals);
        }
        return intervals.peak();
    }

    /** Maps the same unit-rate epochs to arrivals at rate {@code exp(logRate)}, until the end. */
    private static List<SessionPlan> plans(double logRate, Bursts bursts, Shapes shapes, long duration, long seed) {
        double rate = Math.exp(logRate);
        Rng epochs = Rng.of(seed, 0xE0L);
        double e = 0;
        List<SessionPlan> list = new ArrayList<>();
        double end = duration / 1e9;
        // Bound the work for absurd rates: never more than a few million sessions.
        for (int k = 0; k < 5_000_000; k++) {
            e += epochs.exponential(1.0);
            double t = bursts.inverse(e / rate);
            if (t >= end) {
                break;
            }
            list.add(shapes.get(k).withArrival(Math.round(t * 1e9)));
        }
        return list;
    }

    /** The on/off burst schedule and the inverse of its integrated intensity. */
    private static final class Bursts {
        /** Period boundaries in seconds (calm first), and the integrated intensity at each. */
        private final double[] starts;
        private final double[] cumulative;
        private final double[] factors;

        Bursts(Rng rng, Knobs k, double endSeconds) {
            List<double[]> periods = new ArrayList<>();
            double t = 0;
            double m = 0;
            boolean burst = false;
            while (t < endSeconds) {
                double len = rng.exponential(burst ? k.burstMeanSeconds() : k.calmMeanSeconds());
                double f = burst ? k.burstFactor() : 1.0;
                periods.add(new double[] {t, m, f});
                m += len * f;
                t += len;
                burst = !burst;
            }
            starts = new double[periods.size()];
            cumulative = new double[periods.size()];
            factors = new double[periods.size()];
            for (int i = 0; i < periods.size(); i++) {
                starts[i] = periods.get(i)[0];
                cumulative[i] = periods.get(i)[1];
                factors[i] = periods.get(i)[2];
            }
        }

        /** @return t with M(t) = x (past the schedule, the last period's factor continues). */
        double inverse(double x) {
            int lo = 0;
            int hi = starts.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (cumulative[mid] <= x) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return starts[lo] + (x - cumulative[lo]) / factors[lo];
        }
    }

    /** Session shapes drawn lazily by index, each from its own stream. */
    private static final class Shapes {
        private final long seed;
        private final Knobs k;
        private final List<SessionPlan> cache = new ArrayList<>();

        Shapes(long seed, Knobs k) {
            this.seed = seed;
            this.k = k;
        }

        SessionPlan get(int index) {
            while (cache.size() <= index) {
                cache.add(draw(cache.size()));
            }
            return cache.get(index);
        }

        double meanActiveSeconds(int n) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += activeNanos(get(i)) / 1e9;
            }
            return Math.max(1e-3, total / n);
        }

        private static long activeNanos(SessionPlan p) {
            long sum = 0;
            boolean active = p.activeOnArrival();
            long from = 0;
            long[] t = p.toggles();
            for (int i = 0; i <= t.length; i++) {
                long to = i < t.length ? t[i] : p.departure();
                if (active) {
                    sum += to - from;
                }
                active = !active;
                from = to;
            }
            return sum;
        }

        private SessionPlan draw(int index) {
            Rng rng = Rng.of(seed, 0x5E55L, index);
            boolean activeOnArrival = rng.nextDouble() < k.activeOnArrival();
            int turns = rng.geometric(k.meanTurns());
            List<Long> toggles = new ArrayList<>();
            long t = 0;
            if (!activeOnArrival) {
                t += AzureAdapter.nanos(idle(rng));
                toggles.add(t);
            }
            for (int i = 0; i < turns; i++) {
                t += AzureAdapter.nanos(Math.min(MAX_ACTIVE_S, rng.logNormal(k.activeMedianSeconds(), k.activeSigma())));
                toggles.add(t);
                if (i < turns - 1) {
                    t += AzureAdapter.nanos(idle(rng));
                    toggles.add(t);
                }
            }
            t += AzureAdapter.nanos(Math.min(MAX_LINGER_S, rng.pareto(k.lingerMinSeconds(), k.idleAlpha())));
            long[] arr = toggles.stream().mapToLong(Long::longValue).toArray();
            return new SessionPlan("syn-" + index, "user-" + index, 0, activeOnArrival, arr, t);
        }

        private double idle(Rng rng) {
            return Math.min(MAX_IDLE_S, rng.pareto(k.idleMinSeconds(), k.idleAlpha()));
        }
    }
}
