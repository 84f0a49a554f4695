package io.turboserve.transport.nccl;

/** How one state is moved. */
enum Route {
    /** Both allocations on one CUDA device: {@code cudaMemcpyAsync} device to device on the transport's stream. */
    DEVICE_COPY("device copy"),
    /** Two CUDA devices: {@code cudaMemcpyPeerAsync} (direct with peer access, staged by the driver without). */
    PEER_COPY("peer copy"),
    /** Two CUDA devices: {@code ncclSend}/{@code ncclRecv} in one group over the node's communicator. */
    NCCL("NCCL send/recv"),
    /** One CUDA device, NCCL forced: send and recv to rank 0 of a single-rank communicator. */
    NCCL_SELF("NCCL send to self"),
    /** Through a slot of the host offload store: {@code copyToHost}, then {@code copyFromHost}. */
    HOST_STAGED("host-staged copy"),
    /** The configured mode cannot be served (for example {@code nccl} where NCCL does not work). */
    NONE("no route");

    private final String words;

    Route(String words) {
        this.words = words;
    }

    @Override
    public String toString() {
        return words;
    }
}
