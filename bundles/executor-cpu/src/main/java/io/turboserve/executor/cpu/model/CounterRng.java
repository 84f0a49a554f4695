package io.turboserve.executor.cpu.model;

import java.nio.charset.StandardCharsets;

/**
 * The counter-based generator every number of the tiny model comes from: weights, the initial noise
 * of each chunk and the text tokens of a prompt. A value is a pure function of (seed, tensor id,
 * element index), so any executor, a GPU kernel included, recreates any element on its own, in any
 * order, without shipping tensors around.
 *
 * <p>Definition (all arithmetic on unsigned 64-bit words, wrapping):
 * <pre>
 *   GAMMA     = 0x9E3779B97F4A7C15
 *   mix64(z)  = z ^= z &gt;&gt;&gt; 30; z *= 0xBF58476D1CE4E5B9; z ^= z &gt;&gt;&gt; 27; z *= 0x94D049BB133111EB; z ^ (z &gt;&gt;&gt; 31)
 *   stream    = mix64(seed + GAMMA * (tensor + 1))
 *   bits      = mix64(stream + GAMMA * (index + 1))
 *   uniform   = ((bits &gt;&gt;&gt; 40) - 2^23) * 2^-23          in [-1, 1), exact in fp32
 * </pre>
 * {@code mix64(s + GAMMA * (i + 1))} is the i-th output (from 0) of Vigna's SplitMix64 seeded with
 * {@code s}; so {@code stream} is output number {@code tensor} of SplitMix64(seed) and {@code bits}
 * is output number {@code index} of SplitMix64(stream). The top 24 bits make the uniform so that
 * it is exact in fp32 on every device.
 */
public final class CounterRng {
    /** The SplitMix64 increment (the golden ratio in 64-bit fixed point). */
    public static final long GAMMA = 0x9E3779B97F4A7C15L;

    private static final float TWO_POW_MINUS_23 = 0x1.0p-23f;

    private CounterRng() {
    }

    /** @return the SplitMix64 output function (Stafford's variant 13 finaliser) applied to {@code z}. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return 64 random bits for element {@code index} of tensor {@code tensor} under {@code seed}. */
    public static long bits(long seed, long tensor, long index) {
        long stream = mix64(seed + GAMMA * (tensor + 1));
        return mix64(stream + GAMMA * (index + 1));
    }

    /** @return a uniform value in [-1, 1) with 24 significant bits, exact in fp32. */
    public static float uniform(long seed, long tensor, long index) {
        long top24 = bits(seed, tensor, index) >>> 40;
        return (top24 - (1 << 23)) * TWO_POW_MINUS_23;
    }

    /**
     * The seed of a prompt's text tokens: 64-bit FNV-1a over the prompt's UTF-8 bytes, then
     * {@link #mix64} so that prompts differing in one character seed unrelated streams.
     */
    public static long promptSeed(String prompt) {
        long h = 0xCBF29CE484222325L;
        for (byte b : prompt.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        return mix64(h);
    }
}
