package io.turboserve.sim;

import io.turboserve.api.policy.LatencyModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a simulation runs with: the cluster, the modelled mechanisms and the metrics' yardsticks.
 * Every report states these values ({@link #describe()}).
 *
 * @param maxGpus            the most GPUs the autoscaler may provision (the budget bounds are
 *                           {@code minBudget..maxGpus})
 * @param sessionsPerGpu     K, the most sessions resident on one GPU
 * @param maxBatch           the most sessions one coalesced step serves
 * @param latency            the step latency by batch size ({@code chunkNanos(gpu, b)} is the time
 *                           of a step serving b sessions) and the migration cost
 * @param stateBytes         one session's state size
 * @param hostBytesPerSecond offload and restore bandwidth (GPU ↔ host)
 * @param coldStartNanos     from asking for a GPU to its being ready (paid for throughout)
 * @param tickNanos          the controller's tick
 * @param scaleInHoldNanos   the scale-in hold the controller applies around the autoscaler
 * @param chunkVideoNanos    the length of video a chunk stands for (playout, stalls)
 * @param sloNanos           the chunk latency SLO
 * @param minBudget          the fewest GPUs kept provisioned
 * @param warmStart          whether the GPUs the cluster asks for before the workload's first
 *                           event are ready at once (a cluster that was running before the trace
 *                           began); the cold start then applies to every GPU asked for later. When
 *                           false, the run starts from no GPU and waits a cold start for its first
 */
public record SimSettings(int maxGpus, int sessionsPerGpu, int maxBatch, LatencyModel latency, long stateBytes,
        double hostBytesPerSecond, long coldStartNanos, long tickNanos, long scaleInHoldNanos, long chunkVideoNanos,
        long sloNanos, int minBudget, boolean warmStart) {

    /** Host ↔ GPU copy bandwidth from page-locked memory on the H200 (HARDWARE.md): 55 GB/s. */
    public static final double HOST_BYTES_PER_SECOND = 55e9;

    public SimSettings {
        Objects.requireNonNull(latency, "latency");
        positive("maxGpus", maxGpus);
        positive("sessionsPerGpu", sessionsPerGpu);
        positive("maxBatch", maxBatch);
        positive("stateBytes", stateBytes);
        positive("tickNanos", tickNanos);
        positive("chunkVideoNanos", chunkVideoNanos);
        positive("sloNanos", sloNanos);
        positive("minBudget", minBudget);
        if (!(hostBytesPerSecond > 0) || !Double.isFinite(hostBytesPerSecond)) {
            throw new IllegalArgumentException("hostBytesPerSecond must be positive, got " + hostBytesPerSecond);
        }
        if (coldStartNanos < 0) {
            throw new IllegalArgumentException("coldStartNanos must not be negative, got " + coldStartNanos);
        }
        if (scaleInHoldNanos < 0) {
            throw new IllegalArgumentException("scaleInHoldNanos must not be negative, got " + scaleInHoldNanos);
        }
        if (minBudget > maxGpus) {
            throw new IllegalArgumentException("minBudget " + minBudget + " is above maxGpus " + maxGpus);
        }
    }

    /**
     * The settings the paper's comparisons run with: K 4, max batch 4, the reference analytic model
     * with 256 MiB states, 55 GB/s host bandwidth, no cold start, a 1 s tick, a 5 s scale-in hold,
     * 0.75 s of video per chunk, a 1 s SLO, at least 1 GPU, the GPUs held before the first event
     * ready at once.
     */
    public static SimSettings analytic(int maxGpus) {
        LatencyProfile p = LatencyProfiles.analyticReference();
        return new SimSettings(maxGpus, 4, 4, p.model(), p.stateBytes(), HOST_BYTES_PER_SECOND, 0, 1_000_000_000L,
                5_000_000_000L, 750_000_000L, 1_000_000_000L, 1, true);
    }

    /** @return a copy with another cold start (DESIGN.md: 30 s in realistic runs). */
    public SimSettings withColdStart(long nanos) {
        return new SimSettings(maxGpus, sessionsPerGpu, maxBatch, latency, stateBytes, hostBytesPerSecond, nanos, tickNanos,
                scaleInHoldNanos, chunkVideoNanos, sloNanos, minBudget, warmStart);
    }

    /** @return a copy that starts warm (the GPUs held before the first event ready at once) or from nothing. */
    public SimSettings withWarmStart(boolean warm) {
        return new SimSettings(maxGpus, sessionsPerGpu, maxBatch, latency, stateBytes, hostBytesPerSecond, coldStartNanos,
                tickNanos, scaleInHoldNanos, chunkVideoNanos, sloNanos, minBudget, warm);
    }

    /** @return a copy with another latency model and state size. */
    public SimSettings withLatency(LatencyModel model, long bytes) {
        return new SimSettings(maxGpus, sessionsPerGpu, maxBatch, model, bytes, hostBytesPerSecond, coldStartNanos,
                tickNanos, scaleInHoldNanos, chunkVideoNanos, sloNanos, minBudget, warmStart);
    }

    /** @return a copy with a profile's latency model and state size. */
    public SimSettings withProfile(LatencyProfile profile) {
        return withLatency(profile.model(), profile.stateBytes());
    }

    /** @return a copy with other GPU bounds. */
    public SimSettings withGpus(int min, int max) {
        return new SimSettings(max, sessionsPerGpu, maxBatch, latency, stateBytes, hostBytesPerSecond, coldStartNanos,
                tickNanos, scaleInHoldNanos, chunkVideoNanos, sloNanos, min, warmStart);
    }

    /** @return a copy with another K and max batch. */
    public SimSettings withSessionsPerGpu(int k, int batch) {
        return new SimSettings(maxGpus, k, batch, latency, stateBytes, hostBytesPerSecond, coldStartNanos, tickNanos,
                scaleInHoldNanos, chunkVideoNanos, sloNanos, minBudget, warmStart);
    }

    /** @return the offload or restore time of {@code bytes} at the host bandwidth. */
    public long hostCopyNanos(long bytes) {
        return Math.round(bytes * 1e9 / hostBytesPerSecond);
    }

    /** @return every setting as text, in a stable order, for reports. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("gpus", minBudget + ".." + maxGpus);
        m.put("sessions_per_gpu", Integer.toString(sessionsPerGpu));
        m.put("max_batch", Integer.toString(maxBatch));
        m.put("latency_model", latency.toString());
        // The step time of every batch up to 8 (a batch past that only extends the same model).
        int shown = Math.min(maxBatch, 8);
        StringBuilder steps = new StringBuilder();
        for (int b = 1; b <= shown; b++) {
            steps.append(b > 1 ? " / " : "").append(LatencyProfiles.fmt(latency.chunkNanos(0, b) / 1e6));
        }
        m.put("step_ms_b1..b" + shown, steps.toString());
        m.put("state_bytes", Long.toString(stateBytes));
        m.put("migration_ms", LatencyProfiles.fmt(latency.migrationNanos(stateBytes) / 1e6));
        m.put("host_gb_per_s", LatencyProfiles.fmt(hostBytesPerSecond / 1e9));
        m.put("offload_ms", LatencyProfiles.fmt(hostCopyNanos(stateBytes) / 1e6));
        m.put("create_state_ms", LatencyProfiles.fmt(Simulation.CREATE_STATE_NANOS / 1e6));
        m.put("cold_start_s", LatencyProfiles.fmt(coldStartNanos / 1e9));
        m.put("start", warmStart ? "warm (GPUs held before the first event ready at 0 s)" : "cold (from no GPU)");
        m.put("tick_s", LatencyProfiles.fmt(tickNanos / 1e9));
        m.put("scale_in_hold_s", LatencyProfiles.fmt(scaleInHoldNanos / 1e9));
        m.put("chunk_video_s", LatencyProfiles.fmt(chunkVideoNanos / 1e9));
        m.put("slo_s", LatencyProfiles.fmt(sloNanos / 1e9));
        return m;
    }

    private static void positive(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + v);
        }
    }
}
