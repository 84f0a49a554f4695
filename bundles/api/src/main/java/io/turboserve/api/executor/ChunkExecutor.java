package io.turboserve.api.executor;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.offload.HostSlot;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs the model. An executor drives one or more GPU workers and owns the device memory that holds
 * resident session state; every state is one packed allocation behind a {@link StateHandle}, so an
 * offload, a restore or a migration is one copy.
 *
 * <p>Calls for one device come from one thread at a time; calls for different devices may run
 * concurrently. An executor registered with the service property {@link #CONCURRENT_COPIES}
 * {@code = true} also receives the copies of an offload or a restore ({@code copyToHost},
 * {@code allocate} then {@code copyFromHost}) for a device from a second thread while a step runs
 * on it, never for a state in that step, so the copies overlap compute.
 */
@ConsumerType
public interface ChunkExecutor {
    /** The service property naming the driver ({@code cpu}, {@code modelled}, {@code cuda}). */
    String EXECUTOR_NAME = "executor.name";

    /**
     * The service property ({@link Boolean}) by which an executor says that offload and restore
     * copies may run while a step of the same device runs (on their own stream, say).
     *
     * @since 1.1
     */
    String CONCURRENT_COPIES = "executor.concurrent.copies";

    /** @return what this executor offers. */
    ExecutorInfo info();

    /** @return the packed state size of a session with this spec. */
    long stateBytes(SessionSpec spec) throws ExecutorException;

    /** Allocates and initialises the state of a new session on {@code gpu} (empty KV window). */
    StateHandle create(int gpu, String sessionId, SessionSpec spec) throws ExecutorException;

    /** Allocates uninitialised room for a state of {@code bytes} on {@code gpu} (restore, migration target). */
    StateHandle allocate(int gpu, String sessionId, long bytes) throws ExecutorException;

    /** Frees a state; freeing an unknown or already freed handle does nothing. */
    void free(StateHandle state);

    /**
     * Runs one coalesced step: the next chunk of every item, together.
     *
     * @param gpu   the device
     * @param batch the sessions, each resident on {@code gpu}, at most {@link ExecutorInfo#maxBatch()}
     */
    StepResult step(int gpu, List<StepItem> batch) throws ExecutorException;

    /** Copies a resident state into a host slot of at least its size (offload). */
    void copyToHost(StateHandle state, HostSlot slot) throws ExecutorException;

    /** Copies a host slot into an allocated state (restore). */
    void copyFromHost(HostSlot slot, StateHandle state) throws ExecutorException;

    /** Copies one allocated state into another of the same size, on the same or another device. */
    void copyDevice(StateHandle from, StateHandle to) throws ExecutorException;
}
