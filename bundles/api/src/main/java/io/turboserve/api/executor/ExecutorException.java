package io.turboserve.api.executor;

/** An executor refused or failed an operation; the state it was asked about is unchanged. */
public class ExecutorException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Kind {
        /** The device has no room for another session state. */
        OUT_OF_MEMORY,
        /** The device failed; its resident state is lost. */
        DEVICE_LOST,
        /** The request was invalid (unknown device, wrong size, stale handle, unknown model). */
        INVALID,
        /** The executor is stopping. */
        CLOSED
    }

    private final Kind kind;

    public ExecutorException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ExecutorException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
