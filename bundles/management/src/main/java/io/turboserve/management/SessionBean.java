package io.turboserve.management;

import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;

/**
 * {@link SessionMXBean} for one session. Every attribute asks the service for the session's status;
 * the last status seen is kept only to describe the session once it has departed (its identity and
 * final counters).
 */
final class SessionBean implements SessionMXBean {
    private final ServingService serving;
    private final String id;
    private volatile SessionStatus lastSeen;

    SessionBean(ServingService serving, SessionStatus initial) {
        this.serving = serving;
        this.id = initial.id();
        this.lastSeen = initial;
    }

    SessionSnapshot view() {
        try {
            SessionStatus s = serving.status(id);
            lastSeen = s;
            return SessionSnapshot.of(s);
        } catch (ServingException e) {
            if (e.kind() == ServingException.Kind.NOT_FOUND || e.kind() == ServingException.Kind.GONE) {
                return SessionSnapshot.gone(lastSeen, e.getMessage());
            }
            throw Failures.toJmx("status of session " + id, e);
        }
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public String getTenant() {
        return view().tenant();
    }

    @Override
    public String getModel() {
        return view().model();
    }

    @Override
    public String getLifecycle() {
        return view().lifecycle();
    }

    @Override
    public String getResidency() {
        return view().residency();
    }

    @Override
    public int getGpu() {
        return view().gpu();
    }

    @Override
    public long getStateBytes() {
        return view().stateBytes();
    }

    @Override
    public long getEpoch() {
        return view().epoch();
    }

    @Override
    public long getNextChunkIndex() {
        return view().nextChunkIndex();
    }

    @Override
    public long getChunksDelivered() {
        return view().chunksDelivered();
    }

    @Override
    public int getBufferedChunks() {
        return view().bufferedChunks();
    }

    @Override
    public double getLastChunkLatencyMs() {
        return view().lastChunkLatencyMs();
    }

    @Override
    public double getWorstChunkLatencyMs() {
        return view().worstChunkLatencyMs();
    }

    @Override
    public String getMessage() {
        return view().message();
    }

    @Override
    public boolean isGone() {
        return view().gone();
    }

    @Override
    public SessionSnapshot offload() {
        return offload(serving, id);
    }

    @Override
    public SessionSnapshot migrate(int gpu) {
        return migrate(serving, id, gpu);
    }

    static SessionSnapshot offload(ServingService serving, String id) {
        try {
            return SessionSnapshot.of(serving.offload(id));
        } catch (ServingException e) {
            throw Failures.toJmx("offload session " + id, e);
        }
    }

    static SessionSnapshot migrate(ServingService serving, String id, int gpu) {
        try {
            return SessionSnapshot.of(serving.migrate(id, gpu));
        } catch (ServingException e) {
            throw Failures.toJmx("migrate session " + id + " to GPU " + gpu, e);
        }
    }
}
