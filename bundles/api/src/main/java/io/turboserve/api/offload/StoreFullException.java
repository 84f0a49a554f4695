package io.turboserve.api.offload;

/** The store cannot take a state of this size under its byte limit; nothing was changed. */
public class StoreFullException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long freeBytes;

    public StoreFullException(String message, long requestedBytes, long freeBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }
}
