package io.turboserve.transport.nccl;

/**
 * The native side of the transport: CUDA copies and NCCL send/recv on the transport's own streams.
 * Every method returns once the copy is complete on the device (its streams synchronised).
 *
 * <p>The implementation ({@link CudaDeviceOps}) is the only class that touches JavaCPP; this interface
 * keeps the rest of the bundle loadable and testable on a machine without a GPU. Calls are serialised
 * by the caller.
 */
interface DeviceOps extends AutoCloseable {

    /**
     * Whether NCCL works on this node: its library loads and the node communicator could be created.
     * Initialises NCCL on the first call (once); later calls return the same answer.
     *
     * @return null when usable, otherwise why not (one line)
     */
    String ncclProblem();

    /** Whether {@code device} can access {@code peer}'s memory directly ({@code cudaDeviceCanAccessPeer}). */
    boolean canAccessPeer(int device, int peer) throws NativeCallException;

    /** Copies {@code bytes} from {@code src} to {@code dst}, both on {@code device}. */
    void deviceCopy(int device, long dst, long src, long bytes) throws NativeCallException;

    /** Copies {@code bytes} from {@code src} on {@code srcDevice} to {@code dst} on {@code dstDevice}. */
    void peerCopy(int dstDevice, long dst, int srcDevice, long src, long bytes) throws NativeCallException;

    /**
     * Sends {@code bytes} from {@code src} on {@code srcDevice} to {@code dst} on {@code dstDevice} with
     * NCCL: one group of {@code ncclSend} and {@code ncclRecv}. When the devices are the same, a send
     * to self in a single-rank communicator over that device.
     */
    void ncclCopy(int srcDevice, long src, int dstDevice, long dst, long bytes) throws NativeCallException;

    /** Destroys the communicators and streams; problems are logged, not thrown. */
    @Override
    void close();
}
