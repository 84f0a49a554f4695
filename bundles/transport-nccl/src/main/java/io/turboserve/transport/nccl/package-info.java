/**
 * The NCCL migration transport: moves a session's packed state between two allocations of a CUDA
 * executor (a device copy on one GPU, NCCL send/recv between GPUs, or a copy staged through the host
 * offload store). Private to this bundle; other bundles see only
 * {@link io.turboserve.api.transport.MigrationTransport}.
 *
 * <p>Only {@link io.turboserve.transport.nccl.CudaDeviceOps} touches the JavaCPP CUDA classes; the
 * route choice and the host-staged copy are plain Java, usable and tested without a GPU.
 */
@Version("1.0.0")
package io.turboserve.transport.nccl;

import org.osgi.annotation.versioning.Version;
