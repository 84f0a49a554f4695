package io.turboserve.sim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one simulation measured (DESIGN.md section 8). Latencies are chunk latencies (delivery
 * minus request, waits for restore or migration included); percentiles are nearest-rank over
 * every chunk delivered before the end of the workload.
 *
 * @param workload              the workload's name
 * @param placement             the placement policy's name
 * @param autoscaling           the autoscaling policy's name
 * @param chunks                chunks delivered
 * @param worstNanos            the worst chunk latency (0 without chunks)
 * @param worstStepNanos        the longest coalesced step that served a chunk: the latency model's
 *                              time for a chunk at the load its GPU had, without any wait (for the
 *                              step in flight, a restore, a migration or a slot). This is what the
 *                              paper's reference model calls a session's chunk latency
 * @param p99Nanos              99th percentile chunk latency
 * @param p50Nanos              median chunk latency
 * @param meanNanos             mean chunk latency
 * @param sloAttainment         fraction of chunks with latency ≤ the SLO (NaN without chunks)
 * @param stalls                chunks delivered after their playout time: playout starts at the
 *                              first chunk delivered after each activation, and chunk i after it is
 *                              due at that time + i × the chunk's video length
 * @param ttfcP50Nanos          median time from an activation to its first chunk
 * @param ttfcWorstNanos        worst time from an activation to its first chunk
 * @param activations           activations (arrivals active, or idle → active)
 * @param activationsUnserved   activations that got no chunk before the user went idle, left, or
 *                              the run ended
 * @param gpuSeconds            GPU time paid for, from each request (cold start included) to the end
 * @param boundGpuSeconds       the least GPU time any policy could pay with every active session
 *                              resident at every instant: the integral of max(min budget,
 *                              ⌈active / K⌉), with no cold start, hold or transfer time; a floor for
 *                              {@code gpuSeconds}, not a target
 * @param peakGpus              the most GPUs provisioned (or asked for) at once
 * @param migrations            migrations committed
 * @param migrationSeconds      total modelled migration time
 * @param migrationWaitMeanNanos the migration's cost as its user sees it, averaged over migrations
 *                              of sessions that were making chunks: the wait of the session's
 *                              first chunk after it, from the chunk's request to the start of its
 *                              step (the copy, and any wait for the target's step in flight or a
 *                              later one)
 * @param migrationWaitMaxNanos the longest such wait
 * @param offloads              offloads committed
 * @param restores              restores committed
 * @param unplacedActiveSeconds the integral over time of the number of active sessions whose state
 *                              is not resident on a GPU (waiting for placement, restore or a
 *                              migration)
 * @param decisions             controller calls that decided (lifecycle events and ticks)
 * @param decisionNanosP50      median wall time of such a call (this machine's, not a GPU run's)
 * @param decisionNanosP99      99th percentile of it
 * @param decisionNanosMax      the slowest
 * @param simulatedSeconds      the workload's duration
 * @param wallNanos             the wall time the run took
 * @param events                events the controller handled
 * @param refusedEvents         workload events the controller refused (should be 0 for valid workloads)
 * @param rejectedPlanItems     plan items the controller dropped as invalid
 * @param histogram             the chunk latency distribution
 * @param timeline              one sample per tick
 * @param parameters            everything the run ran with: workload, policies and settings
 */
public record RunResult(String workload, String placement, String autoscaling, long chunks, long worstNanos,
        long worstStepNanos, long p99Nanos, long p50Nanos, long meanNanos, double sloAttainment, long stalls, long ttfcP50Nanos,
        long ttfcWorstNanos, long activations, long activationsUnserved, double gpuSeconds, double boundGpuSeconds,
        int peakGpus, long migrations, double migrationSeconds, long migrationWaitMeanNanos, long migrationWaitMaxNanos,
        long offloads, long restores, double unplacedActiveSeconds,
        long decisions, long decisionNanosP50, long decisionNanosP99, long decisionNanosMax, double simulatedSeconds,
        long wallNanos, long events, long refusedEvents, long rejectedPlanItems, LatencyHistogram histogram,
        List<TimelineSample> timeline, Map<String, String> parameters) {

    public RunResult {
        timeline = List.copyOf(timeline);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** A result without the migration waits (0), as sim API 1.1 built it. */
    public RunResult(String workload, String placement, String autoscaling, long chunks, long worstNanos,
            long worstStepNanos, long p99Nanos, long p50Nanos, long meanNanos, double sloAttainment, long stalls,
            long ttfcP50Nanos, long ttfcWorstNanos, long activations, long activationsUnserved, double gpuSeconds,
            double boundGpuSeconds, int peakGpus, long migrations, double migrationSeconds, long offloads, long restores,
            double unplacedActiveSeconds, long decisions, long decisionNanosP50, long decisionNanosP99,
            long decisionNanosMax, double simulatedSeconds, long wallNanos, long events, long refusedEvents,
            long rejectedPlanItems, LatencyHistogram histogram, List<TimelineSample> timeline, Map<String, String> parameters) {
        this(workload, placement, autoscaling, chunks, worstNanos, worstStepNanos, p99Nanos, p50Nanos, meanNanos,
                sloAttainment, stalls, ttfcP50Nanos, ttfcWorstNanos, activations, activationsUnserved, gpuSeconds,
                boundGpuSeconds, peakGpus, migrations, migrationSeconds, 0, 0, offloads, restores, unplacedActiveSeconds,
                decisions, decisionNanosP50, decisionNanosP99, decisionNanosMax, simulatedSeconds, wallNanos, events,
                refusedEvents, rejectedPlanItems, histogram, timeline, parameters);
    }

    /** @return simulated time over wall time: how much faster than real time the run was. */
    public double speedup() {
        return wallNanos <= 0 ? Double.POSITIVE_INFINITY : simulatedSeconds * 1e9 / wallNanos;
    }

    /**
     * @return this result with the wall-clock measurements (run time, decision times) zeroed: what
     *         must be identical between two runs of the same inputs
     */
    public RunResult withoutTimings() {
        return new RunResult(workload, placement, autoscaling, chunks, worstNanos, worstStepNanos, p99Nanos, p50Nanos, meanNanos,
                sloAttainment, stalls, ttfcP50Nanos, ttfcWorstNanos, activations, activationsUnserved, gpuSeconds,
                boundGpuSeconds, peakGpus,
                migrations, migrationSeconds, migrationWaitMeanNanos, migrationWaitMaxNanos, offloads, restores, unplacedActiveSeconds, decisions, 0, 0, 0,
                simulatedSeconds, 0, events, refusedEvents, rejectedPlanItems, histogram, timeline, parameters);
    }

    /** @return a one-line summary for logs. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%s %s/%s: %d chunks, worst %.1f ms, p99 %.1f ms, p50 %.1f ms, SLO %.4f, stalls %d, ttfc p50 %.1f ms, "
                        + "%.1f GPU-s, peak %d GPUs, %d migrations (wait mean %.1f ms), %d offloads, %d restores, unplaced %.2f s, "
                        + "decision p50 %.1f us, %.0fx real time",
                workload, placement, autoscaling, chunks, worstNanos / 1e6, p99Nanos / 1e6, p50Nanos / 1e6, sloAttainment,
                stalls, ttfcP50Nanos / 1e6, gpuSeconds, peakGpus, migrations, migrationWaitMeanNanos / 1e6, offloads, restores, unplacedActiveSeconds,
                decisionNanosP50 / 1e3, speedup());
    }
}
