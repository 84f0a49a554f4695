package io.turboserve.sim;

/**
 * The cluster at one tick, for the "GPUs against active sessions over time" chart.
 *
 * @param timeSeconds     simulated time
 * @param gpusProvisioned GPUs paid for (ready, draining and asked for)
 * @param gpusReady       GPUs ready to take sessions
 * @param activeSessions  sessions whose user is active
 * @param aliveSessions   sessions arrived and not departed
 * @param migrations      migrations committed so far
 * @param unplacedActive  active sessions without their state on a GPU now
 */
public record TimelineSample(double timeSeconds, int gpusProvisioned, int gpusReady, int activeSessions,
        int aliveSessions, long migrations, int unplacedActive) {
}
