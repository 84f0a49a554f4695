package io.turboserve.cuda;

import java.util.Objects;

/**
 * One CUDA device as the probe saw it.
 *
 * @param ordinal the CUDA device ordinal ({@code cudaSetDevice} argument), as numbered after
 *     {@code CUDA_VISIBLE_DEVICES}
 * @param name the device name reported by the driver, for example {@code NVIDIA H200}
 * @param totalMemoryBytes device memory in bytes ({@code totalGlobalMem})
 * @param computeMajor compute capability, major part (9 for Hopper)
 * @param computeMinor compute capability, minor part
 * @param multiprocessors number of streaming multiprocessors
 */
public record CudaDevice(int ordinal, String name, long totalMemoryBytes, int computeMajor, int computeMinor,
        int multiprocessors) {

    private static final double GIB = 1024.0 * 1024 * 1024;

    public CudaDevice {
        Objects.requireNonNull(name, "name");
        if (ordinal < 0) {
            throw new IllegalArgumentException("ordinal must be >= 0, got " + ordinal);
        }
        if (totalMemoryBytes < 0 || computeMajor < 0 || computeMinor < 0 || multiprocessors < 0) {
            throw new IllegalArgumentException("negative device figure in " + ordinal + "/" + name);
        }
    }

    /** The compute capability as CUDA writes it, for example {@code "9.0"}. */
    public String computeCapability() {
        return computeMajor + "." + computeMinor;
    }

    /** One short human-readable line, as used in log messages. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "[%d] %s (%.1f GiB, compute %s, %d SMs)", ordinal, name,
                totalMemoryBytes / GIB, computeCapability(), multiprocessors);
    }
}
