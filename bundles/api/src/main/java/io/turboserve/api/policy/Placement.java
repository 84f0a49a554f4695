package io.turboserve.api.policy;

import java.util.Objects;

/**
 * Put a session that has no GPU onto one: a fresh state for a new session, a restore for an
 * offloaded one (an idle session placed early is a prefetch).
 */
public record Placement(String sessionId, int gpu) {
    public Placement {
        Objects.requireNonNull(sessionId, "sessionId");
    }
}
