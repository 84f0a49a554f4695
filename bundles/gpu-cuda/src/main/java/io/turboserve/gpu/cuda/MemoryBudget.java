package io.turboserve.gpu.cuda;

import java.util.Locale;

/**
 * How many session states one logical worker may hold. One physical device carries the weights
 * once, a workspace per worker (each worker steps on its own stream), a reserve for the CUDA
 * context, cuBLAS and fragmentation, and the states; the rest is split evenly between the workers
 * that share the device (a memory split: one GPU served as several workers).
 *
 * @param stateBytesPerWorker the memory each worker may fill with states
 * @param sessionsPerWorker   how many states fit in it, capped by the configured K
 */
public record MemoryBudget(long stateBytesPerWorker, int sessionsPerWorker) {

    /**
     * Plans a device before anything is allocated on it.
     *
     * @param deviceName       for messages
     * @param freeBytes        the device's free memory now
     * @param weightBytes      the weights, held once per device
     * @param workspaceBytes   one worker's step workspace
     * @param reserveBytes     kept free for the context, cuBLAS and fragmentation
     * @param workers          logical workers on this device
     * @param stateBytes       one session's packed state
     * @param sessionsPerWorker K as configured: the most states one worker may hold
     * @throws IllegalStateException saying what does not fit and what to change, when not even one
     *                               state per worker fits
     */
    public static MemoryBudget plan(String deviceName, long freeBytes, long weightBytes, long workspaceBytes,
            long reserveBytes, int workers, long stateBytes, int sessionsPerWorker) {
        if (workers < 1 || sessionsPerWorker < 1 || stateBytes <= 0) {
            throw new IllegalArgumentException("workers, sessions per worker and the state size must be positive");
        }
        long fixed = weightBytes + workers * workspaceBytes + reserveBytes;
        long left = freeBytes - fixed;
        long perWorker = left / workers;
        if (perWorker < stateBytes) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s has %s free; weights take %s, %d workspace(s) %s, the reserve %s, which leaves %s per worker "
                            + "for states, less than one state of %s: lower workersPerDevice, maxBatch or windowFrames, "
                            + "or choose a smaller model",
                    deviceName, gb(freeBytes), gb(weightBytes), workers, gb(workspaceBytes), gb(reserveBytes),
                    gb(Math.max(0, perWorker)), gb(stateBytes)));
        }
        int fit = (int) Math.min(sessionsPerWorker, perWorker / stateBytes);
        return new MemoryBudget(fit * stateBytes, fit);
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
