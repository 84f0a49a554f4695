package io.turboserve.cuda;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What the one-time CUDA probe found: available (with the usable devices) or not, and why.
 *
 * <p>Always registered as a service by the CUDA library bundle, so a management view can show why
 * the server runs on the CPU executor.
 *
 * @param available true when at least one device is usable (a {@link CudaRuntime} service exists)
 * @param reason why CUDA is not available (never blank then); when available, notes about devices
 *     that were skipped, or empty
 * @param driverVersion the driver's CUDA version, encoded 1000 × major + 10 × minor; 0 when unknown
 * @param runtimeVersion the loaded runtime's version, encoded likewise; 0 when unknown
 * @param devices the usable devices (empty when not available)
 */
public record CudaStatus(boolean available, String reason, int driverVersion, int runtimeVersion,
        List<CudaDevice> devices) {

    /** What serves when CUDA does not: said in the message so an operator knows nothing is broken. */
    static final String FALLBACK = "the CPU executor serves";

    public CudaStatus {
        Objects.requireNonNull(reason, "reason");
        devices = List.copyOf(devices);
        if (available && devices.isEmpty()) {
            throw new IllegalArgumentException("an available CUDA status needs at least one device");
        }
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable CUDA status needs a reason");
        }
        if (!available && !devices.isEmpty()) {
            throw new IllegalArgumentException("an unavailable CUDA status has no usable devices");
        }
    }

    /**
     * Probes the driver once per class loader, as the bundle does when it starts, for code that runs
     * on a plain class path (tests, the GPU check program). Never throws: without a usable device
     * the status says why. Inside the framework use the {@code CudaStatus} service instead.
     */
    public static CudaStatus probe() {
        return io.turboserve.cuda.internal.NativeProbe.probeOnce();
    }

    /** CUDA is usable on these devices; {@code notes} may say which devices were skipped. */
    public static CudaStatus available(int driverVersion, int runtimeVersion, List<CudaDevice> devices,
            String notes) {
        return new CudaStatus(true, notes == null ? "" : notes, driverVersion, runtimeVersion, devices);
    }

    /** CUDA is not usable, for this reason; versions are 0 when the probe did not get that far. */
    public static CudaStatus unavailable(String reason, int driverVersion, int runtimeVersion) {
        return new CudaStatus(false, reason, driverVersion, runtimeVersion, List.of());
    }

    /** CUDA is not usable, for this reason, found before any version could be read. */
    public static CudaStatus unavailable(String reason) {
        return unavailable(reason, 0, 0);
    }

    /**
     * The one line that is logged, for example
     * {@code CUDA not available: libcuda.so.1 not found (no NVIDIA driver) [...]; the CPU executor serves} or
     * {@code CUDA available: 1 usable device, driver 13.0, runtime 13.0: [0] NVIDIA H200 (139.7 GiB, compute 9.0, 132 SMs)}.
     */
    public String message() {
        if (!available) {
            return "CUDA not available: " + reason + "; " + FALLBACK;
        }
        String list = devices.stream().map(CudaDevice::describe).collect(Collectors.joining(", "));
        return "CUDA available: " + devices.size() + (devices.size() == 1 ? " usable device" : " usable devices")
                + ", driver " + formatVersion(driverVersion) + ", runtime " + formatVersion(runtimeVersion) + ": "
                + list + (reason.isBlank() ? "" : " (" + reason + ")");
    }

    /**
     * Writes a CUDA version as CUDA encodes it (1000 × major + 10 × minor) the way people read it:
     * 13000 → {@code "13.0"}, 12080 → {@code "12.8"}; 0 or less → {@code "unknown"}.
     */
    public static String formatVersion(int encoded) {
        if (encoded <= 0) {
            return "unknown";
        }
        return (encoded / 1000) + "." + (encoded % 1000) / 10;
    }
}
