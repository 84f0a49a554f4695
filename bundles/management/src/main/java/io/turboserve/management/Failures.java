package io.turboserve.management;

import io.turboserve.api.serving.ServingException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Turns a refusal of the serving service into what a JMX operation throws.
 *
 * <p>Why these types: a JMX client (Jolokia, JConsole over RMI) can only show exceptions whose
 * classes it has. {@link ServingException} lives in our API bundle, so it is not thrown or chained
 * as a cause: a remote RMI client without that bundle would fail to unmarshal the whole reply. The
 * MBeanServer wraps an unchecked exception in a {@code RuntimeMBeanException}; Jolokia 1.7 unwraps it
 * and answers {@code status 400} for an {@link IllegalArgumentException} and 500 otherwise, with
 * {@code error_type} the class and {@code error} the message. So the caller's mistakes, {@code INVALID}
 * and {@code NOT_FOUND} (something named wrong), {@code CONFLICT} (not allowed in the current state,
 * such as migrating a session to the GPU it is on) and {@code GONE} (a closed session), become
 * {@link IllegalArgumentException} (400); the server's, {@code UNAVAILABLE}, {@code INSUFFICIENT_STORAGE}
 * and {@code INTERNAL}, {@link IllegalStateException} (500); the message is {@code KIND: message} (plus the
 * underlying cause's class and message, when there is one); the stack trace is the original's, so
 * {@code includeStackTrace} shows where the server refused. The original, cause included, is logged
 * here as well.
 */
final class Failures {
    private static final Logger LOG = System.getLogger(Failures.class.getName());

    private Failures() {
    }

    static RuntimeException toJmx(String operation, ServingException e) {
        ServingException.Kind kind = e.kind();
        StringBuilder message = new StringBuilder().append(kind == null ? "INTERNAL" : kind.name()).append(": ")
                .append(e.getMessage());
        if (e.getCause() != null) {
            message.append(" (cause: ").append(e.getCause()).append(')');
        }
        RuntimeException jmx = kind == ServingException.Kind.INVALID || kind == ServingException.Kind.NOT_FOUND
                || kind == ServingException.Kind.CONFLICT || kind == ServingException.Kind.GONE
                ? new IllegalArgumentException(message.toString())
                : new IllegalStateException(message.toString());
        jmx.setStackTrace(e.getStackTrace());
        LOG.log(kind == ServingException.Kind.INTERNAL || kind == null ? Level.WARNING : Level.DEBUG,
                () -> operation + " refused: " + message, e);
        return jmx;
    }

    static String required(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("INVALID: " + what + " is required");
        }
        return value;
    }
}
