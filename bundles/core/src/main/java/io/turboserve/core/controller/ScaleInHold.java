package io.turboserve.core.controller;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The scale-in hold, applied once around every autoscaling policy (DESIGN.md sections 5 and 9).
 *
 * <p>Scale out at once. Scale in only when a lower budget has been enough for the whole hold
 * time: the hold is on "some lower budget sufficed throughout", not on "the same lower target",
 * because the reference code restarts its wait whenever the target moves and so, on a busy trace,
 * never scales in. The budget it scales in to is the highest target seen during the hold, so no
 * demand seen in that time is left without a GPU.
 */
final class ScaleInHold {
    private record Sample(long at, int target) {
    }

    private final long holdNanos;
    private final Deque<Sample> samples = new ArrayDeque<>();
    /** Since when every target has been below the current budget, or -1. */
    private long lowerSince = -1;

    ScaleInHold(long holdNanos) {
        this.holdNanos = holdNanos;
    }

    /**
     * @param now     the clock
     * @param target  what the policy asks for now (clamped)
     * @param current the budget now
     * @return the budget to have
     */
    int apply(long now, int target, int current) {
        return apply(now, target, current, holdNanos);
    }

    /** As {@link #apply(long, int, int)}, with the hold the active policy asked for. */
    int apply(long now, int target, int current, long holdNanos) {
        if (target >= current) {
            samples.clear();
            lowerSince = -1;
            return target;
        }
        if (lowerSince < 0) {
            lowerSince = now;
        }
        samples.addLast(new Sample(now, target));
        while (!samples.isEmpty() && samples.peekFirst().at() < now - holdNanos) {
            samples.removeFirst();
        }
        if (now - lowerSince < holdNanos) {
            return current;
        }
        int highest = target;
        for (Sample s : samples) {
            highest = Math.max(highest, s.target());
        }
        samples.clear();
        lowerSince = -1;
        return highest;
    }
}
