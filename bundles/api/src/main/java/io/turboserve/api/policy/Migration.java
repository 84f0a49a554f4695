package io.turboserve.api.policy;

import java.util.Objects;

/** Move a resident session's state from one GPU to another, at a chunk boundary. */
public record Migration(String sessionId, int from, int to) {
    public Migration {
        Objects.requireNonNull(sessionId, "sessionId");
        if (from == to) {
            throw new IllegalArgumentException("migration of " + sessionId + " from GPU " + from + " to itself");
        }
    }
}
