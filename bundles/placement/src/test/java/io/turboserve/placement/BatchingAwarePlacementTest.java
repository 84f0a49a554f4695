package io.turboserve.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turboserve.api.policy.LatencyModel;
import org.junit.jupiter.api.Test;

class BatchingAwarePlacementTest {

    private static LatencyModel perStep(long... ms) {
        return new LatencyModel() {
            @Override
            public long chunkNanos(int gpu, int sessions) {
                return sessions == 0 ? 0 : ms[sessions - 1] * 1_000_000L;
            }

            @Override
            public long migrationNanos(long bytes) {
                return 16_000_000L;
            }
        };
    }

    @Test
    void smallStepsWhenBatchingBuysLittle() {
        // Reference analytic model, K 4: W(1) = L(1) + 4·L(1) = 63 + 252 = 315;
        // W(2) = L(2) + 2·L(2) = 3·122 = 366; W(3) = L(3) + 2·L(3) = 549; W(4) = L(3) + L(4) = 182 + 245 = 427.
        var s = Snapshots.cluster(2).latency(perStep(63, 122, 183, 245)).build();
        assertEquals(1, BatchingAwarePlacement.stepBatch(s));
    }

    @Test
    void fullStepsWhenBatchingIsNearlyFree() {
        // A model where a bigger step costs little more: W(1) = 100 + 400 = 500,
        // W(2) = 110 + 220 = 330, W(4) = L(3) + L(4) = 120 + 130 = 250: coalesce all four.
        var s = Snapshots.cluster(2).latency(perStep(100, 110, 120, 130)).build();
        assertEquals(4, BatchingAwarePlacement.stepBatch(s));
    }

    @Test
    void thePlanCarriesTheStepSize() {
        var s = Snapshots.cluster(2).latency(perStep(63, 122, 183, 245)).build();
        assertEquals(1, new BatchingAwarePlacement().plan(s, io.turboserve.api.policy.PolicyState.NONE).plan().stepBatch());
    }
}
