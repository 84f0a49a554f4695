package io.turboserve.core.controller;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.offload.HostSlot;

/** The controller's mutable record of one session; touched only by the controller. */
final class SessionRecord {
    final String id;
    final SessionSpec spec;
    final long stateBytes;

    Lifecycle lifecycle = Lifecycle.ARRIVED;
    long lifecycleSince;
    Residency residency = Residency.NONE;
    /** The GPU holding the state (the source while a migration or offload runs), or -1. */
    int gpu = -1;
    StateHandle handle;
    /** The ownership epoch, kept while the state is off the GPU so that it never goes backwards. */
    long epoch;
    HostSlot slot;
    /** The transfer running, or null. */
    Effect.TransferKind transit;
    /** Where the running transfer puts the state on a GPU, or -1. */
    int transitTarget = -1;
    /** Transfers of this session that failed in a row (reset by one that succeeds). */
    int transferFailures;
    /** Until when a policy's transfer of this session is held back after a failure, or 0. */
    long transferRetryAt;
    /** A transfer waiting for the step the session is in to finish (a chunk boundary). */
    Effect deferredTransfer;

    long nextChunk;
    /** When the pending chunk was requested, or -1 when none is pending. */
    long chunkRequestedAt = -1;
    int buffered;
    boolean inStep;
    long delivered;
    /** When its playout began: the first chunk delivered since it last became active, or -1. */
    long playoutStart = -1;
    /** Chunks delivered since its playout began. */
    long playoutChunks;
    long lastLatency = -1;
    long worstLatency = -1;
    String message = "";

    SessionRecord(String id, SessionSpec spec, long stateBytes, long now) {
        this.id = id;
        this.spec = spec;
        this.stateBytes = stateBytes;
        this.lifecycleSince = now;
    }

    boolean departed() {
        return lifecycle == Lifecycle.DEPARTED;
    }

    /** @return whether no step and no transfer holds the session, so its memory may be freed. */
    boolean quiescent() {
        return !inStep && transit == null;
    }

    /**
     * @return how long its user can watch before the next chunk is due (negative: late); 0 when
     *         not active or its playout has not begun. A begun playout whose next chunk is due at
     *         this very instant reads -1 ns, so that 0 keeps meaning "not begun"
     */
    long playoutSlack(long now, long chunkVideoNanos) {
        if (lifecycle != Lifecycle.ACTIVE || playoutStart < 0) {
            return 0;
        }
        long slack = playoutStart + playoutChunks * chunkVideoNanos - now;
        return slack == 0 ? -1 : slack;
    }

    boolean chunkPending() {
        return chunkRequestedAt >= 0;
    }

    /** @return the id of the GPU whose slot this session takes, counting an arrival in progress. */
    boolean takesSlotOn(int g) {
        return (gpu == g && (residency == Residency.RESIDENT || residency == Residency.IN_TRANSIT))
                || transitTarget == g;
    }
}
