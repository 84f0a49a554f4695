package io.turboserve.sim;

import java.util.Arrays;

/** A growable array of primitive longs: millions of chunk latencies without boxing. */
final class LongArray {
    private long[] values = new long[4096];
    private int size;

    void add(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = v;
    }

    int size() {
        return size;
    }

    /** @return the values sorted (a copy). */
    long[] sorted() {
        long[] s = Arrays.copyOf(values, size);
        Arrays.sort(s);
        return s;
    }

    /** @return the nearest-rank percentile q (0 < q ≤ 1) of sorted values, or 0 when empty. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }
}
