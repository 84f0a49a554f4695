package io.turboserve.management;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ClusterStatus;
import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A serving service whose state the test sets, recording the operator calls it receives. */
final class FakeServingService implements ServingService {
    final Map<String, SessionStatus> sessions = new LinkedHashMap<>();
    final Map<Integer, GpuStatus> gpus = new LinkedHashMap<>();
    final Map<PolicySlot, List<String>> policies = new EnumMap<>(PolicySlot.class);
    final List<String> calls = new ArrayList<>();
    /** When set, every operator operation throws it. */
    ServingException refusal;
    /** When set, listing GPUs and sessions throws it. */
    RuntimeException listingFailure;
    /** Sessions that departed: status() answers with this kind instead of NOT_FOUND when set. */
    ServingException.Kind goneKind = ServingException.Kind.NOT_FOUND;
    ClusterStatus cluster = cluster("turboserve", "fixed");

    FakeServingService() {
        policies.put(PolicySlot.PLACEMENT, List.of("round-robin", "turboserve"));
        policies.put(PolicySlot.AUTOSCALING, List.of("fixed", "turboserve"));
    }

    static ClusterStatus cluster(String placement, String autoscaling) {
        return new ClusterStatus(placement, autoscaling, "cpu", 4, 3, 1, 8, 4, 5, 2, 3, 1, 1234, 7, 6, 5, 2,
                12_500_000, 98_765, 1 << 20, 1 << 30);
    }

    static SessionStatus session(String id, Lifecycle lifecycle, Residency residency, int gpu) {
        return new SessionStatus(id, "tenant-" + id, "tiny", lifecycle, residency, gpu, 4096, 2, 11, 10, 1, 750_000,
                2_250_000, "");
    }

    static GpuStatus gpu(int id, List<String> sessions) {
        return new GpuStatus(id, GpuState.READY, 4, sessions, 4 - sessions.size(), 100, 3_000_000, sessions.size());
    }

    FakeServingService withSession(SessionStatus s) {
        sessions.put(s.id(), s);
        return this;
    }

    FakeServingService withGpu(GpuStatus g) {
        gpus.put(g.id(), g);
        return this;
    }

    @Override
    public SessionStatus create(SessionSpec spec) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SessionStatus activate(String sessionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SessionStatus idle(String sessionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SessionStatus close(String sessionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SessionStatus status(String sessionId) throws ServingException {
        SessionStatus s = sessions.get(sessionId);
        if (s == null) {
            throw new ServingException(goneKind, "no session " + sessionId);
        }
        return s;
    }

    @Override
    public List<SessionStatus> sessions() {
        if (listingFailure != null) {
            throw listingFailure;
        }
        return List.copyOf(sessions.values());
    }

    @Override
    public ChunkStream stream(String sessionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ClusterStatus cluster() {
        return cluster;
    }

    @Override
    public List<GpuStatus> gpus() {
        if (listingFailure != null) {
            throw listingFailure;
        }
        return List.copyOf(gpus.values());
    }

    @Override
    public List<String> policies(PolicySlot slot) {
        return policies.get(slot);
    }

    @Override
    public void selectPolicy(PolicySlot slot, String name) throws ServingException {
        call("selectPolicy " + slot + " " + name);
    }

    @Override
    public SessionStatus offload(String sessionId) throws ServingException {
        call("offload " + sessionId);
        SessionStatus s = status(sessionId);
        SessionStatus after = new SessionStatus(s.id(), s.tenant(), s.model(), s.lifecycle(), Residency.OFFLOADED, -1,
                s.stateBytes(), s.epoch(), s.nextChunkIndex(), s.chunksDelivered(), s.bufferedChunks(),
                s.lastChunkLatencyNanos(), s.worstChunkLatencyNanos(), "offloaded by the operator");
        sessions.put(sessionId, after);
        return after;
    }

    @Override
    public SessionStatus migrate(String sessionId, int gpu) throws ServingException {
        call("migrate " + sessionId + " " + gpu);
        SessionStatus s = status(sessionId);
        SessionStatus after = new SessionStatus(s.id(), s.tenant(), s.model(), s.lifecycle(), Residency.IN_TRANSIT,
                s.gpu(), s.stateBytes(), s.epoch(), s.nextChunkIndex(), s.chunksDelivered(), s.bufferedChunks(),
                s.lastChunkLatencyNanos(), s.worstChunkLatencyNanos(), "migrating to GPU " + gpu);
        sessions.put(sessionId, after);
        return after;
    }

    @Override
    public GpuStatus drain(int gpu) throws ServingException {
        call("drain " + gpu);
        GpuStatus g = gpus.get(gpu);
        if (g == null) {
            throw new ServingException(ServingException.Kind.NOT_FOUND, "no GPU " + gpu);
        }
        GpuStatus after = new GpuStatus(g.id(), GpuState.DRAINING, g.capacity(), g.sessions(), g.freeSlots(),
                g.steps(), g.lastStepNanos(), g.lastBatch());
        gpus.put(gpu, after);
        return after;
    }

    @Override
    public ClusterStatus setBudgetBounds(int min, int max) throws ServingException {
        call("setBudgetBounds " + min + " " + max);
        return cluster;
    }

    private void call(String call) throws ServingException {
        calls.add(call);
        if (refusal != null) {
            throw refusal;
        }
    }
}
