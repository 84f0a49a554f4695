package io.turboserve.gpu.cuda;

import java.nio.charset.StandardCharsets;

/**
 * The host side of the counter-based generator that the kernel {@code ts_fill_uniform} implements
 * on the device (the definition is the CPU executor's {@code CounterRng}, DESIGN.md section 6): the
 * tensor ids and the prompt seed, and a host copy of the generator for tests.
 */
final class Rng {
    static final long GAMMA = 0x9E3779B97F4A7C15L;
    /** The tensor id of a prompt's text tokens (under the prompt seed). */
    static final long TEXT_TENSOR = 0x7E57L;
    /** The tensor id of chunk 0's initial noise (under the session seed); chunk i uses this + i. */
    static final long NOISE_TENSOR = 1L << 40;

    private Rng() {
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return the weight tensor id of kind {@code kind} (0 QKV .. 6 MLP down) of a layer. */
    static long weightTensor(int layer, int kind) {
        return 16L * layer + kind;
    }

    /** @return a uniform value in [-1, 1), exactly as the device computes it. */
    static float uniform(long seed, long tensor, long index) {
        long stream = mix64(seed + GAMMA * (tensor + 1));
        long top24 = mix64(stream + GAMMA * (index + 1)) >>> 40;
        return (top24 - (1 << 23)) * 0x1.0p-23f;
    }

    /** FNV-1a over the prompt's UTF-8 bytes, then mix64: the seed of its text tokens. */
    static long promptSeed(String prompt) {
        long h = 0xCBF29CE484222325L;
        for (byte b : prompt.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        return mix64(h);
    }
}
