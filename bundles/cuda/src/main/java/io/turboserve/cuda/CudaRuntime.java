package io.turboserve.cuda;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The usable CUDA device set, as probed once when the CUDA library bundle started.
 *
 * <p>Registered only when at least one device is usable, so a mandatory reference to this service
 * is how a GPU bundle (executor, transport) stays out of the way on a machine without a GPU: its
 * component simply never activates. Holding this service also means the CUDA runtime's JNI library
 * is already loaded in the library bundle's class loader, so the {@code org.bytedeco.cuda.*} classes
 * can be used directly.
 *
 * <p>Only this bundle implements it ({@link ProviderType}): consumers call it, they never implement it.
 */
@ProviderType
public interface CudaRuntime {

    /** Service property: the number of usable devices ({@link Integer}). */
    String DEVICE_COUNT = "cuda.device.count";
    /** Service property: the driver's CUDA version, for example {@code "13.0"} ({@link String}). */
    String DRIVER_VERSION = "cuda.driver.version";
    /** Service property: the loaded CUDA runtime's version, for example {@code "13.0"} ({@link String}). */
    String RUNTIME_VERSION = "cuda.runtime.version";

    /** The number of usable devices; at least 1 while the service is registered. */
    int deviceCount();

    /** The usable devices in ordinal order; immutable. */
    List<CudaDevice> devices();

    /**
     * The usable device with this CUDA ordinal.
     *
     * @throws IllegalArgumentException if no usable device has that ordinal
     */
    CudaDevice device(int ordinal);

    /** The CUDA version the driver supports, encoded as CUDA does: 1000 × major + 10 × minor (13000 = 13.0). */
    int driverVersion();

    /** The version of the loaded CUDA runtime library, encoded like {@link #driverVersion()}. */
    int runtimeVersion();
}
