package io.turboserve.core.runtime;

import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.transport.MigrationTransport;
import io.turboserve.api.transport.TransferException;
import org.osgi.service.component.annotations.Component;

/**
 * The transport of last resort: asks the executor to copy the state itself (a host copy on the CPU
 * executor, a device copy on one GPU). Ranked low so a real transport wins where one is bound.
 */
@Component(service = MigrationTransport.class, property = { MigrationTransport.TRANSPORT_NAME + "=in-process",
        "service.ranking:Integer=-100" })
public final class InProcessTransport implements MigrationTransport {

    @Override
    public String name() {
        return "in-process";
    }

    @Override
    public boolean supports(ChunkExecutor executor, int fromGpu, int toGpu) {
        return true;
    }

    @Override
    public void copy(ChunkExecutor executor, StateHandle from, StateHandle to) throws TransferException {
        try {
            executor.copyDevice(from, to);
        } catch (ExecutorException e) {
            throw new TransferException("in-process copy of " + from.sessionId() + " from GPU " + from.gpu() + " to GPU "
                    + to.gpu() + " failed: " + e.getMessage(), e);
        }
    }
}
