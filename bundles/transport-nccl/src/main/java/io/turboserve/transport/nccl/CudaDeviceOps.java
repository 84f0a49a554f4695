package io.turboserve.transport.nccl;

import static org.bytedeco.cuda.global.cudart.cudaDeviceCanAccessPeer;
import static org.bytedeco.cuda.global.cudart.cudaGetDevice;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyPeerAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.bytedeco.cuda.global.nccl.ncclCommAbort;
import static org.bytedeco.cuda.global.nccl.ncclCommDestroy;
import static org.bytedeco.cuda.global.nccl.ncclCommInitAll;
import static org.bytedeco.cuda.global.nccl.ncclGetErrorString;
import static org.bytedeco.cuda.global.nccl.ncclGetVersion;
import static org.bytedeco.cuda.global.nccl.ncclGroupEnd;
import static org.bytedeco.cuda.global.nccl.ncclGroupStart;
import static org.bytedeco.cuda.global.nccl.ncclInt8;
import static org.bytedeco.cuda.global.nccl.ncclRecv;
import static org.bytedeco.cuda.global.nccl.ncclSend;
import static org.bytedeco.cuda.global.nccl.ncclSuccess;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * {@link DeviceOps} over the JavaCPP CUDA presets: the only class of this bundle that touches
 * {@code org.bytedeco}. Used only while a {@code CudaRuntime} service exists, that is once the cuda
 * bundle has loaded the CUDA runtime's JNI library in its class loader.
 *
 * <p>Every copy runs on a stream of the transport's own, one per device (created on first use with
 * {@code cudaStreamCreate}, so it also orders after work on the device's legacy default stream), and
 * returns after {@code cudaStreamSynchronize}. The calling thread's current device is restored
 * afterwards, because the caller is a GPU worker thread that the executor also uses.
 *
 * <p>NCCL is initialised on first need, once: {@code ncclCommInitAll} over the node's usable devices
 * (rank i = the i-th device). A send to self on one device uses a single-rank communicator over that
 * device (the node communicator itself when the node has one device). After an NCCL call fails
 * during a transfer the communicators are aborted and NCCL is not used again until the transport is
 * restarted: a communicator with a failed operation is not trusted.
 *
 * <p>Not thread-safe: the transport serialises calls.
 */
final class CudaDeviceOps implements DeviceOps {
    private static final Logger LOG = System.getLogger(CudaDeviceOps.class.getName());

    private final int[] nodeDevices;
    private final Map<Integer, CUstream_st> streams = new LinkedHashMap<>();
    private final Map<Integer, ncclComm> selfComms = new LinkedHashMap<>();
    private ncclComm[] nodeComms; // rank i drives nodeDevices[i]
    private boolean ncclTried;
    private String ncclProblem;

    /** @param nodeDevices the CUDA ordinals of the node's usable devices, the ranks of the node communicator */
    CudaDeviceOps(int[] nodeDevices) {
        if (nodeDevices.length == 0) {
            throw new IllegalArgumentException("a CUDA node has at least one device");
        }
        this.nodeDevices = nodeDevices.clone();
    }

    /** A raw device address as a JavaCPP pointer; owns nothing and frees nothing. */
    private static final class DeviceAddress extends Pointer {
        DeviceAddress(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }

    // ---------------------------------------------------------------- NCCL set-up

    @Override
    public String ncclProblem() {
        if (!ncclTried) {
            ncclTried = true;
            try {
                int[] version = new int[1];
                nccl(ncclGetVersion(version), "ncclGetVersion");
                nodeComms = initAll(nodeDevices);
                LOG.log(Level.INFO, "NCCL {0} communicator over CUDA devices {1} ready", formatNcclVersion(version[0]),
                        Arrays.toString(nodeDevices));
            } catch (NativeCallException e) {
                ncclProblem = e.getMessage();
            } catch (LinkageError e) {
                ncclProblem = "the NCCL library could not be loaded (" + deepestMessage(e) + ")";
            } catch (RuntimeException e) {
                ncclProblem = "NCCL initialisation failed: " + e;
            }
        }
        return ncclProblem;
    }

    /** NCCL encodes its version as major * 10000 + minor * 100 + patch since 2.9. */
    static String formatNcclVersion(int code) {
        return code >= 10000 ? (code / 10000) + "." + (code / 100 % 100) + "." + (code % 100) : Integer.toString(code);
    }

    private ncclComm[] initAll(int[] devices) throws NativeCallException {
        int previous = currentDevice();
        PointerPointer<ncclComm> handles = new PointerPointer<>(devices.length);
        try {
            nccl(ncclCommInitAll(handles, devices.length, devices.clone()),
                    "ncclCommInitAll(devices " + Arrays.toString(devices) + ")");
            ncclComm[] comms = new ncclComm[devices.length];
            for (int i = 0; i < devices.length; i++) {
                comms[i] = new ncclComm(handles.get(i));
            }
            return comms;
        } finally {
            handles.close();
            restoreDevice(previous);
        }
    }

    private int rank(int device) throws NativeCallException {
        for (int i = 0; i < nodeDevices.length; i++) {
            if (nodeDevices[i] == device) {
                return i;
            }
        }
        throw new NativeCallException("NCCL", "CUDA device " + device + " is not one of the node's usable devices "
                + Arrays.toString(nodeDevices));
    }

    private ncclComm selfComm(int device) throws NativeCallException {
        if (nodeDevices.length == 1 && nodeDevices[0] == device) {
            return nodeComms[0];
        }
        rank(device); // a usable device
        ncclComm comm = selfComms.get(device);
        if (comm == null) {
            comm = initAll(new int[] {device})[0];
            selfComms.put(device, comm);
        }
        return comm;
    }

    // ---------------------------------------------------------------- copies

    @Override
    public boolean canAccessPeer(int device, int peer) throws NativeCallException {
        int[] can = new int[1];
        cuda(cudaDeviceCanAccessPeer(can, device, peer), "cudaDeviceCanAccessPeer(" + device + ", " + peer + ")");
        return can[0] != 0;
    }

    @Override
    public void deviceCopy(int device, long dst, long src, long bytes) throws NativeCallException {
        int previous = currentDevice();
        try {
            CUstream_st stream = stream(device);
            setDevice(device);
            cuda(cudaMemcpyAsync(new DeviceAddress(dst, bytes), new DeviceAddress(src, bytes), bytes,
                    cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync(device " + device + ", " + bytes + " bytes)");
            cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize(device " + device + ")");
        } finally {
            restoreDevice(previous);
        }
    }

    @Override
    public void peerCopy(int dstDevice, long dst, int srcDevice, long src, long bytes) throws NativeCallException {
        int previous = currentDevice();
        try {
            CUstream_st stream = stream(srcDevice);
            setDevice(srcDevice);
            cuda(cudaMemcpyPeerAsync(new DeviceAddress(dst, bytes), dstDevice, new DeviceAddress(src, bytes), srcDevice,
                    bytes, stream), "cudaMemcpyPeerAsync(device " + srcDevice + " -> " + dstDevice + ", " + bytes + " bytes)");
            cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize(device " + srcDevice + ")");
        } finally {
            restoreDevice(previous);
        }
    }

    @Override
    public void ncclCopy(int srcDevice, long src, int dstDevice, long dst, long bytes) throws NativeCallException {
        String problem = ncclProblem();
        if (problem != null) {
            throw new NativeCallException("NCCL", problem);
        }
        int previous = currentDevice();
        try {
            if (srcDevice == dstDevice) {
                ncclComm comm = selfComm(srcDevice);
                CUstream_st stream = stream(srcDevice);
                setDevice(srcDevice);
                group(() -> {
                    nccl(ncclSend(new DeviceAddress(src, bytes), bytes, ncclInt8, 0, comm, stream),
                            "ncclSend(device " + srcDevice + ", rank 0 to itself, " + bytes + " bytes)");
                    nccl(ncclRecv(new DeviceAddress(dst, bytes), bytes, ncclInt8, 0, comm, stream),
                            "ncclRecv(device " + srcDevice + ", rank 0 from itself, " + bytes + " bytes)");
                });
                cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize(device " + srcDevice + ")");
            } else {
                int srcRank = rank(srcDevice);
                int dstRank = rank(dstDevice);
                CUstream_st srcStream = stream(srcDevice);
                CUstream_st dstStream = stream(dstDevice);
                group(() -> {
                    nccl(ncclSend(new DeviceAddress(src, bytes), bytes, ncclInt8, dstRank, nodeComms[srcRank], srcStream),
                            "ncclSend(device " + srcDevice + " to rank " + dstRank + ", " + bytes + " bytes)");
                    nccl(ncclRecv(new DeviceAddress(dst, bytes), bytes, ncclInt8, srcRank, nodeComms[dstRank], dstStream),
                            "ncclRecv(device " + dstDevice + " from rank " + srcRank + ", " + bytes + " bytes)");
                });
                setDevice(srcDevice);
                cuda(cudaStreamSynchronize(srcStream), "cudaStreamSynchronize(device " + srcDevice + ")");
                setDevice(dstDevice);
                cuda(cudaStreamSynchronize(dstStream), "cudaStreamSynchronize(device " + dstDevice + ")");
            }
        } catch (NativeCallException e) {
            if (e.call().startsWith("nccl")) {
                abandonNccl(e.getMessage());
            }
            throw e;
        } finally {
            restoreDevice(previous);
        }
    }

    private interface GroupBody {
        void run() throws NativeCallException;
    }

    /** ncclGroupStart, the body, ncclGroupEnd; the group is closed even when the body fails. */
    private static void group(GroupBody body) throws NativeCallException {
        nccl(ncclGroupStart(), "ncclGroupStart");
        NativeCallException failure = null;
        try {
            body.run();
        } catch (NativeCallException e) {
            failure = e;
        }
        int end = ncclGroupEnd();
        if (failure != null) {
            throw failure;
        }
        nccl(end, "ncclGroupEnd");
    }

    /** After a failed NCCL operation: abort the communicators and use NCCL no more. */
    private void abandonNccl(String why) {
        ncclProblem = "NCCL was disabled after a failed transfer (" + why + "); restart the transport to try it again";
        LOG.log(Level.WARNING, ncclProblem);
        for (ncclComm comm : allComms()) {
            try {
                ncclCommAbort(comm);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "ncclCommAbort failed: " + e);
            }
        }
        nodeComms = null;
        selfComms.clear();
    }

    private List<ncclComm> allComms() {
        List<ncclComm> all = new ArrayList<>();
        if (nodeComms != null) {
            all.addAll(Arrays.asList(nodeComms));
        }
        all.addAll(selfComms.values());
        return all;
    }

    // ---------------------------------------------------------------- streams and devices

    private CUstream_st stream(int device) throws NativeCallException {
        CUstream_st stream = streams.get(device);
        if (stream == null) {
            setDevice(device);
            stream = new CUstream_st();
            cuda(cudaStreamCreate(stream), "cudaStreamCreate(device " + device + ")");
            streams.put(device, stream);
        }
        return stream;
    }

    private static int currentDevice() throws NativeCallException {
        int[] device = new int[1];
        cuda(cudaGetDevice(device), "cudaGetDevice");
        return device[0];
    }

    private static void setDevice(int device) throws NativeCallException {
        cuda(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
    }

    private static void restoreDevice(int device) {
        int code = cudaSetDevice(device);
        if (code != cudaSuccess) {
            cudaGetLastError();
            LOG.log(Level.WARNING, "could not restore the calling thread''s CUDA device {0}: {1}", device, cudaError(code));
        }
    }

    @Override
    public void close() {
        for (ncclComm comm : allComms()) {
            try {
                int code = ncclCommDestroy(comm);
                if (code != ncclSuccess) {
                    LOG.log(Level.WARNING, "ncclCommDestroy failed: " + ncclError(code));
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "ncclCommDestroy failed: " + e);
            }
        }
        nodeComms = null;
        selfComms.clear();
        if (streams.isEmpty()) {
            return;
        }
        int previous;
        try {
            previous = currentDevice();
        } catch (NativeCallException e) {
            LOG.log(Level.WARNING, "the transport's CUDA streams are left to the driver: " + e.getMessage());
            streams.clear();
            return;
        }
        for (Map.Entry<Integer, CUstream_st> s : streams.entrySet()) {
            int code = cudaSetDevice(s.getKey());
            if (code == cudaSuccess) {
                code = cudaStreamDestroy(s.getValue());
            }
            if (code != cudaSuccess) {
                cudaGetLastError();
                LOG.log(Level.WARNING, "destroying the transport''s stream on CUDA device {0} failed: {1}", s.getKey(),
                        cudaError(code));
            }
        }
        streams.clear();
        restoreDevice(previous);
    }

    // ---------------------------------------------------------------- return codes

    private static void cuda(int code, String call) throws NativeCallException {
        if (code != cudaSuccess) {
            // Clear the thread's last-error slot, so the executor sharing this thread does not take
            // this failure for one of its own kernel launches.
            cudaGetLastError();
            throw new NativeCallException(call, cudaError(code));
        }
    }

    private static void nccl(int code, String call) throws NativeCallException {
        if (code != ncclSuccess) {
            throw new NativeCallException(call, ncclError(code));
        }
    }

    private static String cudaError(int code) {
        return "error " + code + " (" + string(cudaGetErrorString(code)) + ")";
    }

    private static String ncclError(int code) {
        return "error " + code + " (" + string(ncclGetErrorString(code)) + ")";
    }

    private static String string(BytePointer p) {
        return p == null || p.isNull() ? "no description" : p.getString();
    }

    private static String deepestMessage(Throwable t) {
        Throwable deepest = t;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        return deepest == t ? String.valueOf(t) : t + ", caused by " + deepest;
    }
}
