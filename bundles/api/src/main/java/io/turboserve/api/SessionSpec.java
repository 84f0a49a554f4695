package io.turboserve.api;

import java.util.Map;
import java.util.Objects;

/**
 * What a user asked for when opening a session.
 *
 * @param tenant  who owns the session (free text until the security work adds tokens)
 * @param model   the model preset the executor runs, e.g. {@code "tiny"}
 * @param prompt  the text prompt; its hash seeds the text tokens of the model
 * @param seed    the seed of the session's initial noise, so a session's chunks are reproducible
 * @param options model options (resolution, frames, ...), passed to the executor untouched
 */
public record SessionSpec(String tenant, String model, String prompt, long seed, Map<String, String> options) {
    public SessionSpec {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        options = Map.copyOf(Objects.requireNonNull(options, "options"));
    }
}
