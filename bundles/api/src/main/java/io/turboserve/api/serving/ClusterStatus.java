package io.turboserve.api.serving;

/**
 * The cluster as an operator sees it.
 *
 * @param placementPolicy       the active placement policy
 * @param autoscalingPolicy     the active autoscaling policy
 * @param executor              the executor driver serving chunks, or empty when none is bound
 * @param budget                GPUs provisioned
 * @param gpusReady             GPUs ready to serve
 * @param minBudget             the operator's lower bound
 * @param maxBudget             the operator's upper bound
 * @param sessionsPerGpu        K
 * @param sessionsAlive         sessions not departed
 * @param sessionsActive        sessions whose user is active
 * @param sessionsResident      sessions whose state is on a GPU
 * @param sessionsOffloaded     sessions whose state is in host memory
 * @param chunksDelivered       chunks delivered since start
 * @param migrations            migrations committed
 * @param offloads              offloads completed
 * @param restores              restores completed
 * @param rejectedPlanItems     plan items the controller dropped as invalid
 * @param worstChunkLatencyNanos worst chunk latency since start, or -1
 * @param gpuSecondsMillis      GPU time paid for since start, in GPU-milliseconds
 * @param offloadUsedBytes      bytes held by the offload store
 * @param offloadCapacityBytes  the offload store's limit
 */
public record ClusterStatus(String placementPolicy, String autoscalingPolicy, String executor, int budget,
        int gpusReady, int minBudget, int maxBudget, int sessionsPerGpu, int sessionsAlive, int sessionsActive,
        int sessionsResident, int sessionsOffloaded, long chunksDelivered, long migrations, long offloads,
        long restores, long rejectedPlanItems, long worstChunkLatencyNanos, long gpuSecondsMillis,
        long offloadUsedBytes, long offloadCapacityBytes) {
}
