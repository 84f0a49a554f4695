package io.turboserve.api.transport;

import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Copies a session's packed state between two allocations, the copy step of a migration. The
 * transaction around it is the controller's: prepare (the target allocation), copy (this), commit
 * (ownership epoch + 1, free the source); any failure aborts and the source stays authoritative.
 */
@ConsumerType
public interface MigrationTransport {
    /** The service property naming the transport ({@code in-process}, {@code nccl}). */
    String TRANSPORT_NAME = "transport.name";

    /** @return the transport's name. */
    String name();

    /** @return whether this transport can move state between these two GPUs of {@code executor}. */
    boolean supports(ChunkExecutor executor, int fromGpu, int toGpu);

    /** Copies {@code from} into {@code to}, both allocated by {@code executor} and of equal size. */
    void copy(ChunkExecutor executor, StateHandle from, StateHandle to) throws TransferException;
}
