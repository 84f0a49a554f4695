package io.turboserve.core.controller;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.DemandStats;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.SessionView;
import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingException.Kind;
import io.turboserve.api.serving.SessionStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sessions, GPUs and counters the controller keeps, with the read-only queries the shell
 * answers status requests from (on the controller's thread).
 */
public final class ClusterState {
    final Map<String, SessionRecord> sessions = new LinkedHashMap<>();
    final TreeMap<Integer, GpuRecord> gpus = new TreeMap<>();
    /** Provision requests in flight: id to the time asked (cost counts from then). */
    final java.util.NavigableMap<Long, Long> pendingProvisions = new TreeMap<>();
    /**
     * Pending provisions a scale-in gave up while they were starting: released as they arrive,
     * unless a scale-out wants them back first. Not counted in the serving budget.
     */
    final java.util.NavigableSet<Long> unwantedProvisions = new java.util.TreeSet<>();
    private final Map<String, String> tombstones;

    long chunksDelivered;
    long migrations;
    long offloads;
    long restores;
    long worstLatency = -1;
    long closedGpuNanos;

    ClusterState(int tombstoneLimit) {
        this.tombstones = Controller.lru(tombstoneLimit);
    }

    void create(String id, SessionSpec spec, long stateBytes, long now) throws ServingException {
        if (sessions.containsKey(id) || tombstones.containsKey(id)) {
            throw new ServingException(Kind.CONFLICT, "session id " + id + " is already in use");
        }
        sessions.put(id, new SessionRecord(id, spec, stateBytes, now));
    }

    /** @return a session that has not departed, or why not. */
    SessionRecord requireLive(String id) throws ServingException {
        SessionRecord s = sessions.get(id);
        if (s != null && !s.departed()) {
            return s;
        }
        String gone = s != null ? s.message : tombstones.get(id);
        if (gone != null) {
            throw new ServingException(Kind.GONE, "session " + id + " is closed (" + gone + ")");
        }
        throw new ServingException(Kind.NOT_FOUND, "no session " + id);
    }

    /** The ids of sessions that ended, with why (the latest, up to the configured number). */
    Map<String, String> tombstones() {
        return tombstones;
    }

    void remove(SessionRecord s) {
        sessions.remove(s.id);
        tombstones.put(s.id, s.message.isEmpty() ? "closed" : s.message);
    }

    void closeGpu(GpuRecord g, long now) {
        gpus.remove(g.id);
        closedGpuNanos += now - g.requestedAt;
    }

    int activeCount() {
        int n = 0;
        for (SessionRecord s : sessions.values()) {
            if (s.lifecycle == Lifecycle.ACTIVE) {
                n++;
            }
        }
        return n;
    }

    int aliveCount() {
        int n = 0;
        for (SessionRecord s : sessions.values()) {
            if (!s.departed()) {
                n++;
            }
        }
        return n;
    }

    /** @return GPU requests in progress that are still wanted. */
    /** @return GPUs asked for and still wanted (not given up by a scale-in). */
    int provisioning() {
        return pendingProvisions.size() - unwantedProvisions.size();
    }

    /** @return GPUs paid for now: ready, draining, and every one asked for, given up or not. */
    int held() {
        int n = pendingProvisions.size();
        for (GpuRecord g : gpus.values()) {
            if (g.serving()) {
                n++;
            }
        }
        return n;
    }

    /** @return GPUs that count towards the budget the autoscaler steers: ready and asked for. */
    int servingBudget() {
        int n = provisioning();
        for (GpuRecord g : gpus.values()) {
            if (g.state == GpuState.READY) {
                n++;
            }
        }
        return n;
    }

    ClusterSnapshot snapshot(long now, ControllerConfig config, BudgetBounds bounds, DemandStats demand,
            LatencyModel latency) {
        // One pass over the sessions counts every GPU's occupancy: linear in sessions + GPUs, so
        // a decision at 1,024 GPUs and 16,000 sessions stays cheap.
        Map<Integer, long[]> use = occupancy();
        List<GpuView> gv = new ArrayList<>(gpus.size());
        for (GpuRecord g : gpus.values()) {
            long[] u = use.getOrDefault(g.id, NO_USE);
            gv.add(new GpuView(g.id, g.state, config.sessionsPerGpu(), Math.max(0, g.memoryBytes - u[2]), g.since,
                    (int) u[0], (int) u[1], g.busy ? g.stepEndsAt : -1));
        }
        List<SessionView> sv = new ArrayList<>(sessions.size());
        long chunkVideoNanos = config.chunkVideo().toNanos();
        for (SessionRecord s : sessions.values()) {
            if (!s.departed()) {
                sv.add(view(s, now, chunkVideoNanos));
            }
        }
        int budget = provisioning() + gpus.size();
        return new ClusterSnapshot(now, config.sessionsPerGpu(), config.maxBatch(), budget, bounds, gv, sv, demand,
                latency);
    }

    private static final long[] NO_USE = new long[3];

    /** @return per GPU: slots taken, active sessions among them, state bytes held. */
    Map<Integer, long[]> occupancy() {
        Map<Integer, long[]> use = new java.util.HashMap<>();
        for (SessionRecord s : sessions.values()) {
            count(use, s, s.gpu);
            if (s.transitTarget >= 0 && s.transitTarget != s.gpu) {
                count(use, s, s.transitTarget);
            }
        }
        return use;
    }

    private static void count(Map<Integer, long[]> use, SessionRecord s, int g) {
        if (g >= 0 && s.takesSlotOn(g)) {
            long[] u = use.computeIfAbsent(g, k -> new long[3]);
            u[0]++;
            if (s.lifecycle == Lifecycle.ACTIVE) {
                u[1]++;
            }
            u[2] += s.stateBytes;
        }
    }

    private static SessionView view(SessionRecord s, long now, long chunkVideoNanos) {
        int gpu = s.transitTarget >= 0 ? s.transitTarget : s.gpu;
        return new SessionView(s.id, s.spec.model(), s.lifecycle, s.residency, gpu, s.stateBytes, s.lifecycleSince,
                s.delivered, s.chunkRequestedAt, s.playoutSlack(now, chunkVideoNanos));
    }

    // ---------------------------------------------------------------- queries for the shell

    /** @return one session's status, or why there is none. */
    public SessionStatus sessionStatus(String id) throws ServingException {
        return status(requireLive(id));
    }

    /** @return the status of every session not departed, in arrival order. */
    public List<SessionStatus> sessionStatuses() {
        List<SessionStatus> list = new ArrayList<>();
        for (SessionRecord s : sessions.values()) {
            if (!s.departed()) {
                list.add(status(s));
            }
        }
        return list;
    }

    static SessionStatus status(SessionRecord s) {
        long bytes = s.residency == Residency.NONE && s.transit == null ? 0 : s.stateBytes;
        long epoch = s.handle == null ? s.epoch : s.handle.epoch();
        return new SessionStatus(s.id, s.spec.tenant(), s.spec.model(), s.lifecycle, s.residency, s.gpu, bytes, epoch,
                s.nextChunk, s.delivered, s.buffered, s.lastLatency, s.worstLatency, s.message);
    }

    /** @return every provisioned GPU by id. */
    public List<GpuStatus> gpuStatuses(int capacity) {
        List<GpuStatus> list = new ArrayList<>();
        for (GpuRecord g : gpus.values()) {
            List<String> ids = new ArrayList<>();
            for (SessionRecord s : sessions.values()) {
                if (s.takesSlotOn(g.id)) {
                    ids.add(s.id);
                }
            }
            list.add(new GpuStatus(g.id, g.state, capacity, ids, Math.max(0, capacity - ids.size()), g.steps,
                    g.lastStepNanos, g.lastBatch));
        }
        return list;
    }

    /** @return GPU time paid for up to {@code now}: released GPUs, held ones and ones asked for. */
    public long gpuNanos(long now) {
        long total = closedGpuNanos;
        for (GpuRecord g : gpus.values()) {
            total += now - g.requestedAt;
        }
        for (long asked : pendingProvisions.values()) {
            total += now - asked;
        }
        return total;
    }

    public int gpusReady() {
        int n = 0;
        for (GpuRecord g : gpus.values()) {
            if (g.state == GpuState.READY) {
                n++;
            }
        }
        return n;
    }

    public int budget() {
        return gpus.size() + pendingProvisions.size();
    }

    public int sessionsAlive() {
        return aliveCount();
    }

    public int sessionsActive() {
        return activeCount();
    }

    public int sessionsWith(Residency residency) {
        int n = 0;
        for (SessionRecord s : sessions.values()) {
            if (!s.departed() && s.residency == residency) {
                n++;
            }
        }
        return n;
    }

    public long chunksDelivered() {
        return chunksDelivered;
    }

    public long migrations() {
        return migrations;
    }

    public long offloads() {
        return offloads;
    }

    public long restores() {
        return restores;
    }

    public long worstChunkLatencyNanos() {
        return worstLatency;
    }

    /** @return whether any session still has state on a GPU or a transfer running. */
    /** @return whether a restore is still running (its slot must stay readable until it ends). */
    public boolean anyRestoring() {
        for (SessionRecord s : sessions.values()) {
            if (s.transit == Effect.TransferKind.RESTORE) {
                return true;
            }
        }
        return false;
    }

    /** @return whether a state is being copied to or from host memory. */
    public boolean anyToOrFromHost() {
        for (SessionRecord s : sessions.values()) {
            if (s.transit == Effect.TransferKind.RESTORE || s.transit == Effect.TransferKind.OFFLOAD) {
                return true;
            }
        }
        return false;
    }

    public boolean anyResidentOrMoving() {
        for (SessionRecord s : sessions.values()) {
            if (s.residency == Residency.RESIDENT || s.transit != null || s.inStep) {
                return true;
            }
        }
        return false;
    }
}
