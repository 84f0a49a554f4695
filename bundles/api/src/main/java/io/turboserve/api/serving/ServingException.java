package io.turboserve.api.serving;

/** A serving request was refused; the message names the problem and nothing was changed. */
public class ServingException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why, in terms a client can act on (the gateway maps them to HTTP status codes). */
    public enum Kind {
        /** Malformed or invalid input (400). */
        INVALID(400),
        /** No such session, GPU or policy (404). */
        NOT_FOUND(404),
        /** Not allowed in the current state, e.g. idle before ever active (409). */
        CONFLICT(409),
        /** The session was closed (410). */
        GONE(410),
        /** The server cannot take it now: no capacity, stopping (503). */
        UNAVAILABLE(503),
        /** Host memory for offloaded state is full (507). */
        INSUFFICIENT_STORAGE(507),
        /** A bug or a failed mechanism (500). */
        INTERNAL(500);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        /** @return the HTTP status code a gateway answers with. */
        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Kind kind;

    public ServingException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ServingException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
