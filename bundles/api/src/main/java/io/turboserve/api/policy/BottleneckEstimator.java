package io.turboserve.api.policy;

/** What the controller offers an autoscaler to weigh latency against cost. */
@FunctionalInterface
public interface BottleneckEstimator {
    /**
     * @param budget a candidate number of GPUs
     * @return the predicted bottleneck chunk latency (nanoseconds) after the active placement
     *         policy places the current sessions on that many GPUs
     */
    long bottleneckNanosAt(int budget);
}
