package io.turboserve.api.transport;

/** A transfer failed; the source state is untouched and stays authoritative. */
public class TransferException extends Exception {
    private static final long serialVersionUID = 1L;

    public TransferException(String message) {
        super(message);
    }

    public TransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
