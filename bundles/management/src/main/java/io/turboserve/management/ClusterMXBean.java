package io.turboserve.management;

/**
 * The cluster, as {@code io.turboserve:type=Cluster}. Every attribute is read from the server when
 * asked. Latencies are in milliseconds (fractional); a metric with no value yet is -1, never 0.
 * Failed operations throw {@link IllegalArgumentException} (bad input, unknown session or GPU) or
 * {@link IllegalStateException} (anything else) whose message starts with the refusal's kind, for
 * example {@code "NOT_FOUND: no session s9"}.
 */
public interface ClusterMXBean {
    /** @return the active placement policy's name. */
    String getPlacementPolicy();

    /** @return the active autoscaling policy's name. */
    String getAutoscalingPolicy();

    /** @return the executor serving chunks, or empty when none is bound. */
    String getExecutor();

    /** @return GPUs provisioned (paid for) now. */
    int getBudget();

    /** @return GPUs ready to serve. */
    int getGpusReady();

    /** @return the operator's lower bound on the budget. */
    int getMinBudget();

    /** @return the operator's upper bound on the budget. */
    int getMaxBudget();

    /** @return K, the sessions one GPU holds at once. */
    int getSessionsPerGpu();

    /** @return sessions not departed. */
    int getSessionsAlive();

    /** @return sessions whose user is active. */
    int getSessionsActive();

    /** @return sessions whose state is on a GPU. */
    int getSessionsResident();

    /** @return sessions whose state is in host memory. */
    int getSessionsOffloaded();

    /** @return chunks delivered since start. */
    long getChunksDelivered();

    /** @return migrations committed since start. */
    long getMigrations();

    /** @return offloads completed since start. */
    long getOffloads();

    /** @return restores completed since start. */
    long getRestores();

    /** @return plan items the controller dropped as invalid. */
    long getRejectedPlanItems();

    /** @return the worst chunk latency since start in ms, or -1 before the first chunk. */
    double getWorstChunkLatencyMs();

    /** @return GPU time paid for since start, in GPU-seconds. */
    double getGpuSeconds();

    /** @return bytes held by the offload store. */
    long getOffloadUsedBytes();

    /** @return the offload store's limit in bytes. */
    long getOffloadCapacityBytes();

    /** @return the ids of every session not departed. */
    String[] getSessionIds();

    /** @return the ids of every provisioned GPU. */
    int[] getGpuIds();

    /** Sets the operator's bounds on the GPU budget. */
    void setBudgetBounds(int min, int max);

    /**
     * Makes a policy active.
     *
     * @param slot {@code placement} or {@code autoscaling}
     * @param name the policy's {@code policy.name}
     */
    void selectPolicy(String slot, String name);

    /** Offloads a resident session to host memory now; returns its status after. */
    SessionSnapshot offloadSession(String id);

    /** Migrates a resident session to another GPU at its next chunk boundary; returns its status. */
    SessionSnapshot migrateSession(String id, int gpu);

    /** Moves every session off a GPU and releases it; returns the GPU's status. */
    GpuSnapshot drainGpu(int gpu);
}
