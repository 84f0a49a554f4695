package io.turboserve.api.policy;

import io.turboserve.api.Lifecycle;
import java.util.List;

/**
 * An immutable view of the cluster at one decision, everything a policy may look at.
 *
 * @param nowNanos       the controller clock at the decision
 * @param sessionsPerGpu K, the most sessions resident on one GPU
 * @param maxBatch       the most sessions served by one coalesced step
 * @param budget         GPUs provisioned now (ready, provisioning and draining; not the requests a
 *                       scale-in gave up while they started, which are released as they arrive)
 * @param bounds         the operator's budget bounds
 * @param gpus           every provisioned GPU, by id
 * @param sessions       every session not departed, in arrival order
 * @param demand         sliding-window demand statistics
 * @param latency        predicted chunk latency and migration cost
 */
public record ClusterSnapshot(long nowNanos, int sessionsPerGpu, int maxBatch, int budget, BudgetBounds bounds,
        List<GpuView> gpus, List<SessionView> sessions, DemandStats demand, LatencyModel latency) {
    public ClusterSnapshot {
        gpus = List.copyOf(gpus);
        sessions = List.copyOf(sessions);
    }

    /** @return the number of sessions whose state occupies a slot on {@code gpu}. */
    public int occupancy(int gpu) {
        GpuView view = gpu(gpu);
        if (view != null && view.sessions() >= 0) {
            return view.sessions();
        }
        int n = 0;
        for (SessionView s : sessions) {
            if (s.occupies(gpu)) {
                n++;
            }
        }
        return n;
    }

    /** @return the number of active sessions whose state occupies a slot on {@code gpu}. */
    public int activeOn(int gpu) {
        GpuView view = gpu(gpu);
        if (view != null && view.activeSessions() >= 0) {
            return view.activeSessions();
        }
        int n = 0;
        for (SessionView s : sessions) {
            if (s.occupies(gpu) && s.lifecycle() == Lifecycle.ACTIVE) {
                n++;
            }
        }
        return n;
    }

    /** @return the number of sessions whose user is active. */
    public int activeSessions() {
        int n = 0;
        for (SessionView s : sessions) {
            if (s.lifecycle() == Lifecycle.ACTIVE) {
                n++;
            }
        }
        return n;
    }

    /** @return the GPU with this id, or {@code null}. */
    public GpuView gpu(int id) {
        // The controller lists GPUs by ascending id: search; fall back to a scan for other lists.
        int lo = 0;
        int hi = gpus.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int midId = gpus.get(mid).id();
            if (midId == id) {
                return gpus.get(mid);
            } else if (midId < id) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        for (GpuView g : gpus) {
            if (g.id() == id) {
                return g;
            }
        }
        return null;
    }
}
