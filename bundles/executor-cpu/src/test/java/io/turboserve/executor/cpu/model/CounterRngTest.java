package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CounterRngTest {

    /** Plain sequential SplitMix64, as Vigna publishes it: state += GAMMA; return mix64(state). */
    private static long[] splitMix(long seed, int count) {
        long[] out = new long[count];
        long state = seed;
        for (int i = 0; i < count; i++) {
            state += CounterRng.GAMMA;
            out[i] = CounterRng.mix64(state);
        }
        return out;
    }

    @Test
    void mix64ReproducesThePublishedSplitMix64Sequences() {
        // Vigna's reference splitmix64.c seeded with 0 and with 1234567.
        long[] zero = splitMix(0, 3);
        assertEquals(0xE220A8397B1DCDAFL, zero[0]);
        assertEquals(0x6E789E6AA1B965F4L, zero[1]);
        assertEquals(0x06C45D188009454FL, zero[2]);
        long[] other = splitMix(1234567, 5);
        assertEquals(6457827717110365317L, other[0]);
        assertEquals(3203168211198807973L, other[1]);
        assertEquals(Long.parseUnsignedLong("9817491932198370423"), other[2]);
        assertEquals(4593380528125082431L, other[3]);
        assertEquals(Long.parseUnsignedLong("16408922859458223821"), other[4]);
    }

    @Test
    void bitsAreOutputIndexOfAStreamSeededByOutputTensor() {
        long seed = 987654321L;
        long[] streams = splitMix(seed, 6);
        long[] elements = splitMix(streams[5], 10);
        for (int i = 0; i < 10; i++) {
            assertEquals(elements[i], CounterRng.bits(seed, 5, i));
        }
    }

    @Test
    void knownValues() {
        // Computed independently (Python, arbitrary-precision integers masked to 64 bits).
        assertEquals(0xA706DD2F4D197E6FL, CounterRng.bits(0, 0, 0));
        assertEquals(0xFD77F05E4A9964F2L, CounterRng.bits(1234, 5, 7));
        assertEquals(0x53A6515334437316L, CounterRng.bits(42, 1L << 40, 31));
        assertEquals(0.3048969507217407f, CounterRng.uniform(0, 0, 0));
        assertEquals(0.9802227020263672f, CounterRng.uniform(1234, 5, 7));
        assertEquals(-0.3464869260787964f, CounterRng.uniform(42, 1L << 40, 31));
        assertEquals(0xF52A15E9A9B5E89BL, CounterRng.promptSeed(""));
        assertEquals(0xC3F1D4315D69AEA9L, CounterRng.promptSeed("a red fox running through snow"));
    }

    @Test
    void uniformStaysInMinusOneToOneAndCoversIt() {
        float min = 1;
        float max = -1;
        double sum = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            float u = CounterRng.uniform(7, 3, i);
            assertTrue(u >= -1f && u < 1f, "out of range: " + u);
            min = Math.min(min, u);
            max = Math.max(max, u);
            sum += u;
        }
        assertTrue(min < -0.999f && max > 0.999f);
        assertEquals(0.0, sum / n, 0.01);
    }

    @Test
    void tensorsAndSeedsGiveUnrelatedStreams() {
        assertNotEquals(CounterRng.bits(1, 0, 0), CounterRng.bits(1, 1, 0));
        assertNotEquals(CounterRng.bits(1, 0, 0), CounterRng.bits(2, 0, 0));
        assertNotEquals(CounterRng.promptSeed("a cat"), CounterRng.promptSeed("a bat"));
    }
}
