package io.turboserve.gpu.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cublas.cublasGetStatusString;
import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Return-code checks and raw addresses for the JavaCPP CUDA calls. Only classes that run on a
 * device use this: loading {@code org.bytedeco.cuda} without a driver breaks the class loader
 * (STACK.md trap 8), so nothing on the CPU-only test path touches it.
 */
final class Native {
    private Native() {
    }

    /** A CUDA, cuBLAS or NVRTC call failed. */
    static final class CudaException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean outOfMemory;

        CudaException(String message, boolean outOfMemory) {
            super(message);
            this.outOfMemory = outOfMemory;
        }
    }

    /** A device pointer (or a host address) as a JavaCPP {@link Pointer}, without ownership. */
    static final class Address extends Pointer {
        Address(long address, long bytes) {
            this.address = address;
            this.capacity = bytes;
            this.limit = bytes;
        }
    }

    static Pointer at(long address) {
        return new Address(address, 0);
    }

    static Pointer at(long address, long bytes) {
        return new Address(address, bytes);
    }

    /**
     * @return a view of {@code bytes} bytes of host memory at {@code address} (never
     *         {@code new BytePointer(long)}, which allocates that many bytes instead)
     */
    static BytePointer bytes(long address, long bytes) {
        return new BytePointer(new Address(address, bytes));
    }

    static void cuda(int err, String call) {
        if (err != cudaSuccess) {
            throw new CudaException(call + " failed: " + describe(err), err == cudaErrorMemoryAllocation);
        }
    }

    static String describe(int err) {
        BytePointer name = cudaGetErrorName(err);
        BytePointer text = cudaGetErrorString(err);
        return (name == null ? "error " + err : name.getString()) + " (" + (text == null ? "" : text.getString()) + ")";
    }

    static void driver(int err, String call) {
        if (err != CUDA_SUCCESS) {
            throw new CudaException(call + " failed: CUresult " + err, false);
        }
    }

    static void cublas(int status, String call) {
        if (status != CUBLAS_STATUS_SUCCESS) {
            BytePointer text = cublasGetStatusString(status);
            throw new CudaException(call + " failed: " + (text == null ? "status " + status : text.getString()),
                    false);
        }
    }

    static void nvrtc(int result, String call) {
        if (result != NVRTC_SUCCESS) {
            BytePointer text = nvrtcGetErrorString(result);
            throw new CudaException(call + " failed: " + (text == null ? "result " + result : text.getString()), false);
        }
    }
}
