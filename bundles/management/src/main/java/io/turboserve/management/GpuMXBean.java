package io.turboserve.management;

/**
 * One GPU worker, as {@code io.turboserve:type=Gpu,id=<n>}. Attributes are read from the server
 * when asked. Once the GPU has been released (the MBean lingers until the next refresh) {@code Gone}
 * is true, {@code State} is {@code GONE}, it holds no sessions and its counters keep their last
 * values.
 */
public interface GpuMXBean {
    int getId();

    /** @return {@code PROVISIONING}, {@code READY}, {@code DRAINING}, {@code LOST}, or {@code GONE}. */
    String getState();

    /** @return the most sessions resident at once. */
    int getCapacity();

    /** @return the ids of the sessions whose state is resident (or arriving) there. */
    String[] getSessions();

    int getFreeSlots();

    /** @return coalesced steps run. */
    long getSteps();

    /** @return the duration of the last step in ms, or -1 before the first. */
    double getLastStepMs();

    /** @return sessions served by the last step. */
    int getLastBatch();

    /** @return whether the GPU is no longer provisioned. */
    boolean isGone();

    /** Moves every session off this GPU and releases it; returns its status. */
    GpuSnapshot drain();
}
