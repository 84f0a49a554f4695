package io.turboserve.offload.arrow;

import java.util.Map;
import java.util.TreeMap;

/**
 * The free ranges of one slab, first fit with coalescing. Not thread-safe: the store calls it under
 * its lock.
 *
 * <p>First fit keeps the low end of a slab dense, so a slab that holds only short-lived slots tends to
 * empty completely; freed ranges merge with both neighbours at once, so the list never holds two
 * adjacent ranges and its length is bounded by the number of live slots plus one.
 */
final class FreeList {
    private final long size;
    /** start offset -> length, no two ranges adjacent or overlapping. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private long freeBytes;

    FreeList(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("free list size must be positive: " + size);
        }
        this.size = size;
        ranges.put(0L, size);
        freeBytes = size;
    }

    /** @return the offset of a range of {@code length} bytes now taken, or -1 when none is large enough. */
    long take(long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive: " + length);
        }
        for (Map.Entry<Long, Long> range : ranges.entrySet()) {
            long start = range.getKey();
            long available = range.getValue();
            if (available >= length) {
                ranges.remove(start);
                if (available > length) {
                    ranges.put(start + length, available - length);
                }
                freeBytes -= length;
                return start;
            }
        }
        return -1;
    }

    /**
     * Returns a range taken earlier. A range that overlaps free space or leaves the slab means the
     * store's bookkeeping is broken; it is refused loudly rather than corrupting the list.
     */
    void give(long start, long length) {
        if (start < 0 || length <= 0 || start > size - length) {
            throw new IllegalStateException(
                    "range [" + start + ", +" + length + ") is outside a slab of " + size + " bytes");
        }
        long end = start + length;
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        Map.Entry<Long, Long> after = ranges.ceilingEntry(start);
        if (before != null && before.getKey() + before.getValue() > start) {
            throw new IllegalStateException("range [" + start + ", +" + length + ") is already free");
        }
        if (after != null && after.getKey() < end) {
            throw new IllegalStateException("range [" + start + ", +" + length + ") overlaps free space");
        }
        long mergedStart = start;
        long mergedLength = length;
        if (before != null && before.getKey() + before.getValue() == start) {
            mergedStart = before.getKey();
            mergedLength += before.getValue();
            ranges.remove(before.getKey());
        }
        if (after != null && after.getKey() == end) {
            mergedLength += after.getValue();
            ranges.remove(after.getKey());
        }
        ranges.put(mergedStart, mergedLength);
        freeBytes += length;
    }

    long size() {
        return size;
    }

    long freeBytes() {
        return freeBytes;
    }

    boolean isEmpty() {
        return freeBytes == size;
    }

    /** @return the largest contiguous free range, for the message of a refusal. */
    long largestRange() {
        long largest = 0;
        for (long length : ranges.values()) {
            largest = Math.max(largest, length);
        }
        return largest;
    }

    int rangeCount() {
        return ranges.size();
    }
}
