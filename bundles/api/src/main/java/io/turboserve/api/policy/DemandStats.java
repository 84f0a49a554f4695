package io.turboserve.api.policy;

import java.util.List;

/**
 * Sliding-window demand statistics kept by the controller.
 *
 * @param alive              sessions not departed
 * @param active             sessions whose user is active
 * @param windowNanos        the length of the window
 * @param transitionsPerBin  active/idle/arrival/departure transitions counted per bin, oldest first
 * @param peakActiveInWindow the most sessions active at once during the window
 * @param transitionCv       coefficient of variation of {@code transitionsPerBin} (0 when the window
 *                           holds no transitions)
 */
public record DemandStats(int alive, int active, long windowNanos, List<Integer> transitionsPerBin,
        int peakActiveInWindow, double transitionCv) {
    public DemandStats {
        transitionsPerBin = List.copyOf(transitionsPerBin);
    }
}
