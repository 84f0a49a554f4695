package io.turboserve.executor.cpu.model;

/**
 * {@code exp} and {@code tanh} in plain fp32 arithmetic. {@link Math#exp} may be an intrinsic whose
 * last bit depends on the CPU and on whether the code is interpreted or compiled, which would break
 * bit-reproducibility; {@link StrictMath#exp} is exact to the bit but slow for the hundreds of
 * thousands of calls one chunk makes. Java fp32 arithmetic is exactly specified, so this is
 * reproducible everywhere, and a GPU kernel can run the same steps. Relative error about 2e-7.
 */
public final class Fp32Math {
    private static final float LOG2E = 1.44269504f;
    /** ln 2 split, as in fdlibm's expf, into a high part with trailing zero bits and the rest. */
    private static final float LN2_HI = 6.9313812256e-01f;
    private static final float LN2_LO = 9.0580006145e-06f;

    private Fp32Math() {
    }

    /**
     * e^x: Cody–Waite reduction {@code x = k·ln2 + r} with k the nearest integer to x·log2(e) and
     * |r| ≤ ln2/2 (about), a degree-7 Taylor polynomial for e^r (Horner form), then scaling by 2^k
     * built from its bits; below 2^-126 the scaling is split so only the last product rounds.
     */
    public static float exp(float x) {
        if (!(x <= 88.72f)) {
            return x != x ? x : Float.POSITIVE_INFINITY;
        }
        if (x < -103.97f) {
            return 0f;
        }
        float t = x * LOG2E;
        int k = (int) (t < 0 ? t - 0.5f : t + 0.5f);
        float r = (x - k * LN2_HI) - k * LN2_LO;
        float p = 1f / 5040f;
        p = p * r + 1f / 720f;
        p = p * r + 1f / 120f;
        p = p * r + 1f / 24f;
        p = p * r + 1f / 6f;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        if (k > 127) {
            return p * 0x1.0p127f * 2f;
        }
        if (k < -126) {
            return p * 0x1.0p-126f * Float.intBitsToFloat((k + 126 + 127) << 23);
        }
        return p * Float.intBitsToFloat((k + 127) << 23);
    }

    /** tanh(y) = 1 − 2 / (e^{2y} + 1): saturates cleanly to ±1 as e^{2y} overflows or vanishes. */
    public static float tanh(float y) {
        return 1f - 2f / (exp(2f * y) + 1f);
    }

    /** GELU in its tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static float gelu(float x) {
        float inner = 0.7978845608f * (x + 0.044715f * x * x * x);
        return 0.5f * x * (1f + tanh(inner));
    }
}
