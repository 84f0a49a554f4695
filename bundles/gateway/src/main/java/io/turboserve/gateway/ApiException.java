package io.turboserve.gateway;

import io.turboserve.api.serving.ServingException;
import java.util.List;

/**
 * A request the gateway answers with an error: the HTTP status, a machine-readable kind (the
 * {@link ServingException.Kind} name where one applies) and a message naming the problem.
 */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String kind;
    /** For 405: the methods the resource allows. */
    private final List<String> allow;
    /** For 503: the seconds a client should wait before it tries again (Retry-After), or 0. */
    private final int retryAfterSeconds;

    ApiException(int status, String kind, String message) {
        this(status, kind, message, List.of(), 0);
    }

    private ApiException(int status, String kind, String message, List<String> allow, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.kind = kind;
        this.allow = List.copyOf(allow);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException of(ServingException e) {
        return new ApiException(e.kind().httpStatus(), e.kind().name(), e.getMessage());
    }

    static ApiException invalid(String message) {
        return new ApiException(400, ServingException.Kind.INVALID.name(), message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, ServingException.Kind.NOT_FOUND.name(), message);
    }

    static ApiException methodNotAllowed(String method, String path, List<String> allow) {
        return new ApiException(405, "METHOD_NOT_ALLOWED",
                method + " is not allowed on " + path + "; allowed: " + String.join(", ", allow), allow, 0);
    }

    /** The server cannot take the request now; the client may try again after {@code retryAfterSeconds}. */
    static ApiException unavailable(String message, int retryAfterSeconds) {
        return new ApiException(503, ServingException.Kind.UNAVAILABLE.name(), message, List.of(), retryAfterSeconds);
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, "PAYLOAD_TOO_LARGE", message);
    }

    static ApiException unsupportedMediaType(String message) {
        return new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", message);
    }

    int status() {
        return status;
    }

    String kind() {
        return kind;
    }

    List<String> allow() {
        return allow;
    }

    int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
