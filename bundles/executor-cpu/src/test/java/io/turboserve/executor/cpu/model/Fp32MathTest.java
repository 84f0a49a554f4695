package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Fp32MathTest {

    @Test
    void expIsWithinAFewUlpsOverTheRangeSoftmaxUses() {
        for (int i = 0; i <= 100_000; i++) {
            float x = -87f + i * (87f + 88f) / 100_000f;
            double exact = StrictMath.exp(x);
            double got = Fp32Math.exp(x);
            assertEquals(exact, got, exact * 1e-6, "exp(" + x + ")");
        }
    }

    @Test
    void expEdges() {
        assertEquals(1f, Fp32Math.exp(0f));
        assertEquals(0f, Fp32Math.exp(-200f));
        assertEquals(0f, Fp32Math.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Fp32Math.exp(100f));
        assertTrue(Float.isNaN(Fp32Math.exp(Float.NaN)));
    }

    @Test
    void tanhAndGeluMatchTheirDefinitions() {
        for (int i = -800; i <= 800; i++) {
            float x = i / 100f;
            assertEquals(Math.tanh(x), Fp32Math.tanh(x), 1e-6, "tanh(" + x + ")");
            double gelu = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            assertEquals(gelu, Fp32Math.gelu(x), 1e-5, "gelu(" + x + ")");
        }
        assertEquals(1f, Fp32Math.tanh(1000f));
        assertEquals(-1f, Fp32Math.tanh(-1000f));
    }
}
