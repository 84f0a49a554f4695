package io.turboserve.sim;

import java.util.Arrays;

/**
 * Chunk latencies counted in fixed-width buckets (10 ms up to 30 s by default, then one overflow
 * bucket): enough to draw the distribution without keeping every sample.
 */
public final class LatencyHistogram {
    /** The default bucket width: 10 ms. */
    public static final long DEFAULT_BUCKET_NANOS = 10_000_000L;
    /** The default range: 30 s. */
    public static final long DEFAULT_RANGE_NANOS = 30_000_000_000L;

    private final long bucketNanos;
    private final long[] counts;
    private long overflow;

    public LatencyHistogram() {
        this(DEFAULT_BUCKET_NANOS, DEFAULT_RANGE_NANOS);
    }

    public LatencyHistogram(long bucketNanos, long rangeNanos) {
        if (bucketNanos < 1 || rangeNanos < bucketNanos) {
            throw new IllegalArgumentException("need 1 <= bucketNanos <= rangeNanos");
        }
        this.bucketNanos = bucketNanos;
        this.counts = new long[(int) Math.min(Integer.MAX_VALUE - 8, (rangeNanos + bucketNanos - 1) / bucketNanos)];
    }

    void add(long nanos) {
        long b = Math.max(0, nanos) / bucketNanos;
        if (b < counts.length) {
            counts[(int) b]++;
        } else {
            overflow++;
        }
    }

    /** @return the width of each bucket; bucket i holds latencies in [i·width, (i+1)·width). */
    public long bucketNanos() {
        return bucketNanos;
    }

    /** @return the count per bucket (a copy). */
    public long[] counts() {
        return counts.clone();
    }

    /** @return latencies at or beyond the last bucket's end. */
    public long overflow() {
        return overflow;
    }

    public long total() {
        long t = overflow;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    /** @return the index one past the last non-empty bucket (to trim charts). */
    public int usedBuckets() {
        int n = counts.length;
        while (n > 0 && counts[n - 1] == 0) {
            n--;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && h.bucketNanos == bucketNanos && h.overflow == overflow
                && Arrays.equals(h.counts, counts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bucketNanos) * 31 + Arrays.hashCode(counts) + Long.hashCode(overflow);
    }

    @Override
    public String toString() {
        return "LatencyHistogram[" + bucketNanos / 1e6 + " ms buckets, " + total() + " samples, overflow " + overflow + "]";
    }
}
