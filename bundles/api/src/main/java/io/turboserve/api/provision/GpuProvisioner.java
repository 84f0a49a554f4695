package io.turboserve.api.provision;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Acquires and releases GPU workers: local devices on one node, later a cluster manager. Cost is
 * counted from the moment a GPU is requested; {@link #acquire()} may block for the cold start.
 */
@ConsumerType
public interface GpuProvisioner {
    /** @return the most GPUs this provisioner can hold at once. */
    int maxGpus();

    /** Acquires one GPU; returns once it is ready to take sessions. */
    GpuInfo acquire() throws ProvisionException;

    /** Gives a GPU back; releasing one not held does nothing. */
    void release(int gpu);
}
