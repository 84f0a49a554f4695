package io.turboserve.cuda.internal;

import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaStatus;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;

/**
 * The only class of the probe that touches JavaCPP and the CUDA presets. Kept apart so that
 * {@link NativeProbe} and the component load and link even when these classes cannot: any
 * {@link LinkageError} surfaces from the call into this class, inside the caller's catch.
 */
final class DriverQuery {

    private DriverQuery() {
    }

    /**
     * Loads the CUDA runtime's JNI library and asks the driver what it has.
     *
     * @throws UnsatisfiedLinkError when a native library (libcuda.so.1, libcudart.so.13, ...) is missing
     */
    static CudaStatus query() {
        // Load explicitly first, so the first failure is JavaCPP's UnsatisfiedLinkError with the linker's
        // message in its cause chain. Measured: this initialises cudart, so after a failure the class is
        // erroneous in this class loader and any later use throws NoClassDefFoundError "Could not
        // initialize class" without the real cause (STACK.md trap 8). That is why NativeProbe keeps the
        // first result instead of asking again.
        Loader.load(cudart.class);

        int[] value = new int[1];
        int driver = cudart.cudaDriverGetVersion(value) == cudart.cudaSuccess ? value[0] : 0;
        value[0] = 0;
        int runtime = cudart.cudaRuntimeGetVersion(value) == cudart.cudaSuccess ? value[0] : 0;
        if (driver == 0) {
            // cudaDriverGetVersion reports 0 when no driver is installed, even though the call succeeds.
            return CudaStatus.unavailable("no CUDA driver is installed (cudaDriverGetVersion reported 0)", 0, runtime);
        }

        value[0] = 0;
        int err = cudart.cudaGetDeviceCount(value);
        if (err != cudart.cudaSuccess) {
            return CudaStatus.unavailable("cudaGetDeviceCount failed: " + error(err), driver, runtime);
        }
        int count = value[0];
        if (count == 0) {
            String visible = System.getenv("CUDA_VISIBLE_DEVICES");
            return CudaStatus.unavailable("the driver reports no CUDA device"
                    + (visible == null ? "" : " (CUDA_VISIBLE_DEVICES=" + visible + ")"), driver, runtime);
        }

        List<CudaDevice> usable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int ordinal = 0; ordinal < count; ordinal++) {
            // The properties struct is native memory: free it now rather than whenever the GC runs.
            try (cudaDeviceProp prop = new cudaDeviceProp()) {
                err = cudart.cudaGetDeviceProperties(prop, ordinal);
                if (err != cudart.cudaSuccess) {
                    skipped.add("device " + ordinal + ": cudaGetDeviceProperties failed: " + error(err));
                    continue;
                }
                // A device in the prohibited compute mode accepts no context: it is present but not usable.
                value[0] = cudart.cudaComputeModeDefault;
                if (cudart.cudaDeviceGetAttribute(value, cudart.cudaDevAttrComputeMode, ordinal) == cudart.cudaSuccess
                        && value[0] == cudart.cudaComputeModeProhibited) {
                    skipped.add("device " + ordinal + ": compute mode is prohibited");
                    continue;
                }
                usable.add(new CudaDevice(ordinal, prop.name().getString().trim(), prop.totalGlobalMem(),
                        prop.major(), prop.minor(), prop.multiProcessorCount()));
            }
        }
        if (usable.isEmpty()) {
            return CudaStatus.unavailable(count + (count == 1 ? " device" : " devices") + " found, none usable: "
                    + String.join("; ", skipped), driver, runtime);
        }
        return CudaStatus.available(driver, runtime, usable,
                skipped.isEmpty() ? "" : "skipped " + String.join("; ", skipped));
    }

    /** A CUDA error code as {@code cudaErrorNoDevice (no CUDA-capable device is detected)}. */
    private static String error(int code) {
        return text(cudart.cudaGetErrorName(code)) + " (" + text(cudart.cudaGetErrorString(code)) + ")";
    }

    private static String text(BytePointer p) {
        return p == null || p.isNull() ? "?" : p.getString();
    }
}
