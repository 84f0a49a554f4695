package io.turboserve.management;

/**
 * One session, as {@code io.turboserve:type=Session,id=<id>}. Attributes are read from the server
 * when asked. Once the session has departed (the MBean lingers until the next refresh) {@code Gone}
 * is true, {@code Lifecycle} is {@code DEPARTED}, it holds no GPU, buffer or state, its counters keep
 * their last values and {@code Message} starts with {@code "gone: "}.
 */
public interface SessionMXBean {
    String getId();

    String getTenant();

    String getModel();

    /** @return {@code ARRIVED}, {@code ACTIVE}, {@code IDLE} or {@code DEPARTED}. */
    String getLifecycle();

    /** @return {@code NONE}, {@code RESIDENT}, {@code OFFLOADED} or {@code IN_TRANSIT}. */
    String getResidency();

    /** @return the GPU holding its state, or -1. */
    int getGpu();

    /** @return the packed state size in bytes (0 before it is first placed). */
    long getStateBytes();

    /** @return the ownership epoch (+1 per committed migration). */
    long getEpoch();

    long getNextChunkIndex();

    long getChunksDelivered();

    /** @return chunks delivered but not yet read by the client. */
    int getBufferedChunks();

    /** @return the last chunk's latency in ms, or -1 before the first. */
    double getLastChunkLatencyMs();

    /** @return the worst chunk latency in ms, or -1 before the first. */
    double getWorstChunkLatencyMs();

    /** @return the last notable event (a refusal, a loss), or empty. */
    String getMessage();

    /** @return whether the session has departed. */
    boolean isGone();

    /** Offloads the session's state to host memory now; returns its status after. */
    SessionSnapshot offload();

    /** Migrates the session to another GPU at its next chunk boundary; returns its status. */
    SessionSnapshot migrate(int gpu);
}
