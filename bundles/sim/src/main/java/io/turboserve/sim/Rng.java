package io.turboserve.sim;

/**
 * A seeded SplitMix64 generator with the few distributions the workload generators need. Our own
 * (not {@code java.util.Random} or {@code SplittableRandom}) so that a seed gives the same
 * workload on every JVM version: the algorithm is fixed here.
 *
 * <p>{@link #of(long, long...)} derives independent streams from a seed and a path of indices
 * (e.g. seed, "session", k), so that session k's shape does not depend on how many random numbers
 * other sessions drew: searches that re-generate a workload at another rate see the same sessions.
 */
final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    /** @return a stream for {@code seed} and a path of stream indices. */
    static Rng of(long seed, long... path) {
        long s = mix(seed);
        for (long p : path) {
            s = mix(s ^ mix(p + GOLDEN));
        }
        return new Rng(s);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** @return a uniform double in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** @return a uniform double in (0, 1], safe for logarithms. */
    double nextOpen() {
        return 1.0 - nextDouble();
    }

    /** @return an exponential variate with this mean. */
    double exponential(double mean) {
        return -mean * Math.log(nextOpen());
    }

    /** @return a standard normal variate (Box–Muller, one of the pair; simple and deterministic). */
    double normal() {
        double u1 = nextOpen();
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** @return a log-normal variate with this median and shape σ (heavy right tail). */
    double logNormal(double median, double sigma) {
        return median * Math.exp(sigma * normal());
    }

    /** @return a Pareto variate with scale {@code min} and tail index {@code alpha} (heavy tail). */
    double pareto(double min, double alpha) {
        return min / Math.pow(nextOpen(), 1.0 / alpha);
    }

    /** @return a geometric count ≥ 1 with this mean (≥ 1). */
    int geometric(double mean) {
        if (mean <= 1) {
            return 1;
        }
        double p = 1.0 / mean;
        return 1 + (int) Math.floor(Math.log(nextOpen()) / Math.log(1 - p));
    }
}
