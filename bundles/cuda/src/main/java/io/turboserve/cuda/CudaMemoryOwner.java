package io.turboserve.cuda;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Implemented by a chunk executor whose session states live in CUDA device memory, so that a
 * migration transport (NCCL, a device copy) can move them without knowing the executor's classes.
 *
 * <p>A state handle of such an executor carries the device address of its packed state in
 * {@code StateHandle.address()}; this interface says which CUDA device that address belongs to.
 * One physical device may serve several logical GPU workers (a memory split), so two workers can
 * share one CUDA device.
 */
@ConsumerType
public interface CudaMemoryOwner {

    /**
     * The CUDA device ordinal whose memory holds the states of a logical GPU worker.
     *
     * @throws IllegalArgumentException if the executor has no such worker
     */
    int cudaDevice(int gpu);

}
