package io.turboserve.transport.nccl;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemset;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turboserve.api.StateHandle;
import io.turboserve.api.transport.TransferException;
import io.turboserve.transport.nccl.Fakes.CudaExecutor;
import io.turboserve.transport.nccl.NcclTransport.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The native routes on a real GPU: a device copy between two logical workers of one device, the NCCL
 * send to self in a single-rank communicator, a state over 2 GiB, and (with two devices) the peer copy
 * and NCCL between devices. Each test checks the target byte for byte and the source unchanged, and
 * prints its time. Without a usable CUDA device every test is skipped, with the reason.
 *
 * <p>The only test class that touches {@code org.bytedeco}: without a driver its classes fail to
 * initialise and stay broken in this class loader, which the other test classes never use.
 */
class CudaRoutesGpuTest {
    private static final long MIB = 1L << 20;

    private static int deviceCount;
    private static final String CUDA_PROBLEM = probe();

    private final List<Long> allocations = new ArrayList<>();
    private final List<NcclTransport> transports = new ArrayList<>();

    /** Why CUDA cannot be used here, or null. */
    private static String probe() {
        try {
            int[] n = new int[1];
            int rc = cudaGetDeviceCount(n);
            if (rc != cudaSuccess) {
                return "cudaGetDeviceCount failed: error " + rc + " (" + cudaGetErrorString(rc).getString() + ")";
            }
            if (n[0] < 1) {
                return "no CUDA device";
            }
            deviceCount = n[0];
            return null;
        } catch (Throwable t) { // LinkageError without a driver or runtime library
            Throwable deepest = t;
            while (deepest.getCause() != null && deepest.getCause() != deepest) {
                deepest = deepest.getCause();
            }
            return "CUDA does not load on this machine (" + t + (deepest == t ? "" : ", caused by " + deepest) + ")";
        }
    }

    @BeforeEach
    void needsCuda() {
        if (CUDA_PROBLEM != null) {
            assumeTrue(false, "GPU test skipped: " + CUDA_PROBLEM);
        }
    }

    @AfterEach
    void release() {
        transports.forEach(NcclTransport::deactivate);
        for (long a : allocations) {
            cudaFree(new At(a));
        }
    }

    /** A raw device address as a JavaCPP pointer. */
    private static final class At extends Pointer {
        At(long address) {
            this.address = address;
        }
    }

    private static void check(int rc, String call) {
        if (rc != cudaSuccess) {
            throw new AssertionError(call + " failed: error " + rc + " (" + cudaGetErrorString(rc).getString() + ")");
        }
    }

    private static int[] allDevices() {
        return IntStream.range(0, deviceCount).toArray();
    }

    private long malloc(int device, long bytes) {
        check(cudaSetDevice(device), "cudaSetDevice");
        Pointer p = new Pointer();
        check(cudaMalloc(p, bytes), "cudaMalloc(" + bytes + ")");
        allocations.add(p.address());
        check(cudaMemset(new At(p.address()), 0, bytes), "cudaMemset");
        return p.address();
    }

    private static void upload(long dst, byte[] data) {
        try (BytePointer host = new BytePointer(data.length)) {
            host.put(data, 0, data.length);
            check(cudaMemcpy(new At(dst), host, data.length, cudaMemcpyHostToDevice), "cudaMemcpy to device");
        }
    }

    private static byte[] download(long src, int bytes) {
        byte[] data = new byte[bytes];
        try (BytePointer host = new BytePointer(bytes)) {
            check(cudaMemcpy(host, new At(src), bytes, cudaMemcpyDeviceToHost), "cudaMemcpy to host");
            host.get(data, 0, bytes);
        }
        return data;
    }

    private static long freeBytes(int device) {
        check(cudaSetDevice(device), "cudaSetDevice");
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return free.get();
        }
    }

    private NcclTransport transport(Mode mode) {
        NcclTransport t = new NcclTransport(new Settings(mode, true), allDevices(), CudaDeviceOps::new);
        transports.add(t);
        return t;
    }

    private static void assumeNccl() {
        try (CudaDeviceOps ops = new CudaDeviceOps(allDevices())) {
            String problem = ops.ncclProblem();
            assumeTrue(problem == null, () -> "NCCL test skipped: " + problem);
        }
    }

    /**
     * Moves a state of {@code bytes} from logical GPU 0 to logical GPU 1 of an executor that puts them
     * on {@code srcDevice} and {@code dstDevice}, and checks the first, middle and last MiB (all of it
     * when small) of the target and the source.
     */
    private void move(Mode mode, int srcDevice, int dstDevice, long bytes, String label) throws TransferException {
        long src = malloc(srcDevice, bytes);
        long dst = malloc(dstDevice, bytes);
        long[] offsets = bytes <= 8 * MIB ? new long[] {0} : new long[] {0, bytes / 2, bytes - MIB};
        int window = (int) Math.min(bytes, bytes <= 8 * MIB ? bytes : MIB);
        byte[][] expected = new byte[offsets.length][];
        for (int i = 0; i < offsets.length; i++) {
            expected[i] = Fakes.pattern(window, 11 + i);
            upload(src + offsets[i], expected[i]);
        }
        CudaExecutor executor = new CudaExecutor(srcDevice, dstDevice);
        StateHandle from = new StateHandle("gpu-test", 0, src, bytes, 1);
        StateHandle to = new StateHandle("gpu-test", 1, dst, bytes, 1);
        NcclTransport t = transport(mode);
        t.copy(executor, from, to); // warm-up: streams, communicators
        check(cudaMemset(new At(dst), 0, bytes), "cudaMemset");
        long start = System.nanoTime();
        t.copy(executor, from, to);
        long nanos = System.nanoTime() - start;
        for (int i = 0; i < offsets.length; i++) {
            assertArrayEquals(expected[i], download(dst + offsets[i], window), label + ": target at " + offsets[i]);
            assertArrayEquals(expected[i], download(src + offsets[i], window), label + ": source at " + offsets[i]);
        }
        System.out.println(String.format(Locale.ROOT, "%s (CUDA device %d -> %d): %d bytes in %.3f ms, %.1f GB/s", label,
                srcDevice, dstDevice, bytes, nanos / 1e6, bytes / (double) nanos));
    }

    @Test
    void deviceCopyBetweenTwoWorkersOfOneDevice() throws Exception {
        move(Mode.AUTO, 0, 0, 64 * MIB + 3, "device copy");
    }

    @Test
    void ncclSendToSelfInASingleRankCommunicator() throws Exception {
        assumeNccl();
        move(Mode.NCCL, 0, 0, 64 * MIB + 3, "NCCL send to self");
    }

    @Test
    void aStateOverTwoGibibytesByDeviceCopyAndByNccl() throws Exception {
        long bytes = 2 * 1024 * MIB + MIB + 1;
        long free = freeBytes(0);
        assumeTrue(free > 3 * bytes, () -> "needs " + 3 * bytes + " bytes free on CUDA device 0, has " + free);
        move(Mode.DEVICE_COPY, 0, 0, bytes, "device copy > 2 GiB");
        release();
        allocations.clear();
        transports.clear();
        assumeNccl();
        move(Mode.NCCL, 0, 0, bytes, "NCCL send to self > 2 GiB");
    }

    @Test
    void peerCopyAndNcclBetweenTwoDevices() throws Exception {
        assumeTrue(deviceCount >= 2, () -> "needs two CUDA devices, this host has " + deviceCount
                + ": transfers between GPUs stay unmeasured");
        move(Mode.DEVICE_COPY, 0, 1, 256 * MIB, "peer copy");
        assumeNccl();
        move(Mode.NCCL, 0, 1, 256 * MIB, "NCCL send/recv");
        move(Mode.AUTO, 1, 0, 256 * MIB, "auto (NCCL) back");
    }

    @Test
    void theNodeDevicesAreWhatTheDriverReports() {
        assertEquals(deviceCount, allDevices().length);
        System.out.println("CUDA devices for the NCCL communicator: " + Arrays.toString(allDevices()));
    }
}
