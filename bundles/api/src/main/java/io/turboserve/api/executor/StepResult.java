package io.turboserve.api.executor;

import java.util.List;

/**
 * The result of a coalesced step.
 *
 * @param outputs     one per item, in the order of the request
 * @param computeNanos the time the executor spent computing (a modelled executor reports the
 *                    modelled time)
 */
public record StepResult(List<ChunkOutput> outputs, long computeNanos) {
    public StepResult {
        outputs = List.copyOf(outputs);
    }
}
