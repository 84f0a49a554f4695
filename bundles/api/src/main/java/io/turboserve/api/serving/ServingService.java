package io.turboserve.api.serving;

import io.turboserve.api.SessionSpec;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The server as its front ends see it: the HTTP gateway for clients, the management bundle for
 * operators. Every method is safe to call from any thread; refusals are {@link ServingException}s
 * whose kind says why and whose message names the problem.
 */
@ProviderType
public interface ServingService {
    /** Opens a session; it starts {@code ARRIVED}, without a GPU. */
    SessionStatus create(SessionSpec spec) throws ServingException;

    /** The user is watching: the session is placed (or restored) and chunks flow. */
    SessionStatus activate(String sessionId) throws ServingException;

    /** The user stepped away: chunks stop, the state is kept (by default offloaded). */
    SessionStatus idle(String sessionId) throws ServingException;

    /** Closes a session from any state, freeing everything it holds. */
    SessionStatus close(String sessionId) throws ServingException;

    /** @return one session's status. */
    SessionStatus status(String sessionId) throws ServingException;

    /**
     * @return every session not departed
     * @throws IllegalStateException caused by a {@link ServingException} when the runtime cannot
     *                               answer (stopping, or its controller does not answer in time)
     */
    List<SessionStatus> sessions();

    /** Opens the reader side of a session's chunks; one reader at a time. */
    ChunkStream stream(String sessionId) throws ServingException;

    /**
     * @return the cluster's status
     * @throws IllegalStateException caused by a {@link ServingException} when the runtime cannot answer
     */
    ClusterStatus cluster();

    /**
     * @return every provisioned GPU
     * @throws IllegalStateException caused by a {@link ServingException} when the runtime cannot answer
     */
    List<GpuStatus> gpus();

    /** @return the names of the policies available for a slot. */
    List<String> policies(PolicySlot slot);

    /** Makes the named policy active for a slot; it serves from the next decision. */
    void selectPolicy(PolicySlot slot, String name) throws ServingException;

    /** Offloads a resident session to host memory now. */
    SessionStatus offload(String sessionId) throws ServingException;

    /** Migrates a resident session to another GPU now, at its next chunk boundary. */
    SessionStatus migrate(String sessionId, int gpu) throws ServingException;

    /** Moves every session off a GPU and then releases it. */
    GpuStatus drain(int gpu) throws ServingException;

    /** Sets the operator's bounds on the GPU budget. */
    ClusterStatus setBudgetBounds(int min, int max) throws ServingException;
}
