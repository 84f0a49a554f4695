package io.turboserve.api.executor;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import java.util.Objects;

/** One session's part of a coalesced step: compute chunk {@code chunkIndex} from {@code state}. */
public record StepItem(SessionSpec spec, StateHandle state, long chunkIndex) {
    public StepItem {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(state, "state");
    }
}
