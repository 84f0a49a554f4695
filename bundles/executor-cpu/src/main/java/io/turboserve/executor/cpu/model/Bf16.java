package io.turboserve.executor.cpu.model;

/**
 * bfloat16: the upper 16 bits of an IEEE fp32 value. The tiny model stores every tensor (weights,
 * activations between operations, the KV cache, the output) in bf16 and accumulates in fp32, as a
 * GPU bf16 pipeline does, so the CUDA executor can match it.
 */
public final class Bf16 {
    private Bf16() {
    }

    /**
     * Rounds fp32 to bf16, to nearest, ties to even: add {@code 0x7FFF} plus the lowest kept bit and
     * truncate. Overflow rounds to infinity as IEEE rounding does; NaN stays a (quiet) NaN, which the
     * addition could otherwise turn into infinity.
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /** @return the fp32 value of a bf16 (exact). */
    public static float toFloat(short value) {
        return Float.intBitsToFloat((value & 0xFFFF) << 16);
    }

    /** @return {@code value} rounded to the nearest bf16, as fp32. */
    public static float round(float value) {
        return toFloat(fromFloat(value));
    }

    /** Rounds {@code length} values of {@code values} from {@code from} to bf16 in place. */
    public static void roundInPlace(float[] values, int from, int length) {
        for (int i = from; i < from + length; i++) {
            values[i] = round(values[i]);
        }
    }
}
