package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Bf16Test {

    private static short bf(float f) {
        return Bf16.fromFloat(f);
    }

    @Test
    void exactValuesKeepTheirUpperHalf() {
        assertEquals((short) 0x3F80, bf(1f));
        assertEquals((short) 0xBF80, bf(-1f));
        assertEquals((short) 0x0000, bf(0f));
        assertEquals((short) 0x8000, bf(-0f));
        assertEquals((short) 0x7F80, bf(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xFF80, bf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, Bf16.toFloat((short) 0x3F80));
    }

    @Test
    void roundsToNearestTiesToEven() {
        // bf16 has 7 fraction bits: near 1 its step is 2^-7.
        float ulp = 0x1.0p-7f;
        assertEquals(1f, Bf16.round(1f + ulp / 2), "tie between 1 (even) and 1+ulp goes to even");
        assertEquals(1f + 2 * ulp, Bf16.round(1f + 1.5f * ulp), "tie between 1+ulp (odd) and 1+2ulp goes to even");
        assertEquals(1f + ulp, Bf16.round(Math.nextUp(1f + ulp / 2)), "just above the tie goes up");
        assertEquals(1f, Bf16.round(Math.nextDown(1f + ulp / 2)), "just below the tie goes down");
        assertEquals(-1f - 2 * ulp, Bf16.round(-1f - 1.5f * ulp), "negative values mirror");
        assertEquals((short) 0x4049, bf((float) Math.PI), "pi = 0x40490FDB rounds down");
    }

    @Test
    void overflowRoundsToInfinityAndNanStaysNan() {
        assertEquals((short) 0x7F80, bf(Float.MAX_VALUE));
        assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
        assertTrue(Float.isNaN(Bf16.toFloat(bf(Float.intBitsToFloat(0x7FFF_FFFF)))), "an all-ones NaN must not carry into infinity");
    }

    @Test
    void roundingIsIdempotent() {
        for (int i = 0; i < 10_000; i++) {
            float v = CounterRng.uniform(3, 9, i) * 100f;
            float once = Bf16.round(v);
            assertEquals(once, Bf16.round(once));
            assertTrue(Math.abs(once - v) <= Math.abs(v) * 0x1.0p-8f);
        }
    }
}
