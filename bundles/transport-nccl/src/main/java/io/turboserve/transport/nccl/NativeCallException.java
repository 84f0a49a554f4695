package io.turboserve.transport.nccl;

/** A CUDA or NCCL call returned an error, or its library could not be loaded. */
final class NativeCallException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String call;

    /**
     * @param call   the call that failed, with its arguments where they help, for example
     *               {@code cudaMemcpyAsync(device 0)}
     * @param detail what it returned, for example {@code error 700 (an illegal memory access was encountered)}
     */
    NativeCallException(String call, String detail) {
        super(call + " failed: " + detail);
        this.call = call;
    }

    NativeCallException(String call, String detail, Throwable cause) {
        super(call + " failed: " + detail, cause);
        this.call = call;
    }

    /** The call that failed. */
    String call() {
        return call;
    }
}
