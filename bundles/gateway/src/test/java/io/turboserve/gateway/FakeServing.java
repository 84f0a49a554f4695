package io.turboserve.gateway;

import io.turboserve.api.Chunk;
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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A serving service that keeps sessions in a map and serves scripted chunk streams. */
class FakeServing implements ServingService {
    final Map<String, SessionStatus> sessions = new LinkedHashMap<>();
    final List<SessionSpec> specs = new ArrayList<>();
    /** When set, every session call throws it. */
    ServingException failure;
    Stream stream = new Stream();
    String streamedSession;

    static SessionStatus status(String id, String tenant, String model, Lifecycle lifecycle) {
        return new SessionStatus(id, tenant, model, lifecycle, Residency.NONE, -1, 0, 0, 0, 0, 0, -1, -1, "");
    }

    /** Records that session {@code id} has produced chunks {@code 0..nextChunkIndex-1}. */
    void produced(String id, long nextChunkIndex) {
        SessionStatus s = sessions.get(id);
        sessions.put(id, new SessionStatus(s.id(), s.tenant(), s.model(), s.lifecycle(), s.residency(), s.gpu(),
                s.stateBytes(), s.epoch(), nextChunkIndex, s.chunksDelivered(), s.bufferedChunks(),
                s.lastChunkLatencyNanos(), s.worstChunkLatencyNanos(), s.message()));
    }

    private SessionStatus find(String id) throws ServingException {
        if (failure != null) {
            throw failure;
        }
        SessionStatus status = sessions.get(id);
        if (status == null) {
            throw new ServingException(ServingException.Kind.NOT_FOUND, "no session " + id);
        }
        return status;
    }

    private SessionStatus move(String id, Lifecycle lifecycle) throws ServingException {
        SessionStatus s = find(id);
        SessionStatus moved = status(s.id(), s.tenant(), s.model(), lifecycle);
        sessions.put(id, moved);
        return moved;
    }

    @Override
    public SessionStatus create(SessionSpec spec) throws ServingException {
        if (failure != null) {
            throw failure;
        }
        specs.add(spec);
        String id = "s" + specs.size();
        SessionStatus status = status(id, spec.tenant(), spec.model(), Lifecycle.ARRIVED);
        sessions.put(id, status);
        return status;
    }

    @Override
    public SessionStatus activate(String sessionId) throws ServingException {
        return move(sessionId, Lifecycle.ACTIVE);
    }

    @Override
    public SessionStatus idle(String sessionId) throws ServingException {
        return move(sessionId, Lifecycle.IDLE);
    }

    @Override
    public SessionStatus close(String sessionId) throws ServingException {
        SessionStatus closed = move(sessionId, Lifecycle.DEPARTED);
        sessions.remove(sessionId);
        return closed;
    }

    @Override
    public SessionStatus status(String sessionId) throws ServingException {
        return find(sessionId);
    }

    @Override
    public List<SessionStatus> sessions() {
        if (unanswered != null) {
            throw new IllegalStateException(unanswered.getMessage(), unanswered);
        }
        return List.copyOf(sessions.values());
    }

    /** When set, listing sessions fails as the runtime does when its controller does not answer. */
    ServingException unanswered;

    @Override
    public ChunkStream stream(String sessionId) throws ServingException {
        find(sessionId);
        if (stream.reading) {
            throw new ServingException(ServingException.Kind.CONFLICT, "session " + sessionId
                    + " already has a reader; one at a time");
        }
        stream.reading = true;
        streamedSession = sessionId;
        return stream;
    }

    @Override
    public ClusterStatus cluster() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<GpuStatus> gpus() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> policies(PolicySlot slot) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void selectPolicy(PolicySlot slot, String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SessionStatus offload(String sessionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SessionStatus migrate(String sessionId, int gpu) {
        throw new UnsupportedOperationException();
    }

    @Override
    public GpuStatus drain(int gpu) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ClusterStatus setBudgetBounds(int min, int max) {
        throw new UnsupportedOperationException();
    }

    /**
     * Serves its script: a chunk, or {@link #TIMEOUT} for a wait that saw none, a {@link Runnable} run
     * during a wait that then sees none, or a {@link RuntimeException} thrown; ended once the script is empty.
     */
    static final class Stream implements ChunkStream {
        static final Object TIMEOUT = new Object();
        final Deque<Object> script = new ArrayDeque<>();
        String endReason = "session closed";
        int nextCalls;
        boolean closed;
        /** Between {@link FakeServing#stream} and {@link #close}: the session's one reader slot is taken. */
        boolean reading;
        final java.util.List<Chunk> unread = new java.util.ArrayList<>();
        /** What a reader took before, kept for a resume (put back by {@link #rewind}). */
        final java.util.List<Chunk> taken = new java.util.ArrayList<>();
        final java.util.List<Long> rewinds = new java.util.ArrayList<>();

        Stream then(Object step) {
            script.add(step);
            return this;
        }

        @Override
        public Chunk next(Duration timeout) {
            nextCalls++;
            Object step = script.poll();
            if (step instanceof Runnable whileWaiting) {
                whileWaiting.run();
            } else if (step instanceof RuntimeException failure) {
                throw failure;
            }
            return step instanceof Chunk chunk ? chunk : null;
        }

        @Override
        public void unread(Chunk chunk) {
            unread.add(chunk);
            script.addFirst(chunk);
        }

        @Override
        public int rewind(long lastReceived) {
            rewinds.add(lastReceived);
            java.util.List<Chunk> back = taken.stream().filter(c -> c.index() > lastReceived).toList();
            for (int i = back.size() - 1; i >= 0; i--) {
                script.addFirst(back.get(i));
            }
            return back.size();
        }

        @Override
        public boolean ended() {
            return script.isEmpty();
        }

        @Override
        public String endReason() {
            return script.isEmpty() ? endReason : "";
        }

        @Override
        public void close() {
            closed = true;
            reading = false;
        }
    }
}
