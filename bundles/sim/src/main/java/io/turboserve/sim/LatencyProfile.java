package io.turboserve.sim;

import io.turboserve.api.policy.LatencyModel;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A latency model loaded from data, with what a report must state about it.
 *
 * @param name       a short name, e.g. {@code analytic-reference} or
 *                   {@code h200-pytorch-reference/wan-1.3b/ctx6}
 * @param model      step latency by batch size and migration cost
 * @param stateBytes the size of one session's state under this model
 * @param parameters every parameter it was built from, in a stable order, for reports
 */
public record LatencyProfile(String name, LatencyModel model, long stateBytes, Map<String, String> parameters) {
    public LatencyProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        if (stateBytes <= 0) {
            throw new IllegalArgumentException("stateBytes must be positive, got " + stateBytes);
        }
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
