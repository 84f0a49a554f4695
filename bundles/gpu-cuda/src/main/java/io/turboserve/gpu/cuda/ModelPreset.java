package io.turboserve.gpu.cuda;

import java.util.List;
import java.util.Locale;

/**
 * The shape of the causal video DiT the executor runs (DESIGN.md section 6). The presets: {@code tiny}
 * (the CPU executor's default shape, for tests and the equivalence check), {@code wan-1.3b} and
 * {@code wan-14b} (the shapes of the Wan models with 480×832 latents: 1,560 tokens per latent frame,
 * 3 latent frames per chunk, 3 sink frames kept in the KV window).
 *
 * @param name           the model name sessions ask for
 * @param layers         transformer blocks
 * @param hidden         model width, a multiple of {@code heads}
 * @param heads          attention heads (self and cross)
 * @param ffn            MLP inner width
 * @param tokensPerFrame latent tokens per frame
 * @param framesPerChunk latent frames one chunk produces
 * @param sinkFrames     the first frames kept in the window for good
 * @param windowFrames   the KV window in frames, sink frames included; the rest roll
 * @param textTokens     text tokens of the cross-attention
 */
public record ModelPreset(String name, int layers, int hidden, int heads, int ffn, int tokensPerFrame,
        int framesPerChunk, int sinkFrames, int windowFrames, int textTokens) {

    /** The preset names, in the order the documentation lists them. */
    public static final List<String> NAMES = List.of("tiny", "wan-1.3b", "wan-14b");

    public ModelPreset {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a model preset needs a name");
        }
        positive("layers", layers);
        positive("hidden", hidden);
        positive("heads", heads);
        positive("ffn", ffn);
        positive("tokensPerFrame", tokensPerFrame);
        positive("framesPerChunk", framesPerChunk);
        positive("textTokens", textTokens);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden (" + hidden + ") must be a multiple of heads (" + heads + ")");
        }
        if (hidden / heads > 256) {
            throw new IllegalArgumentException("a head of " + hidden / heads + " features is wider than the 256 the kernels support");
        }
        if (sinkFrames < 0 || windowFrames <= sinkFrames) {
            throw new IllegalArgumentException("windowFrames (" + windowFrames + ") must exceed sinkFrames (" + sinkFrames
                    + "): at least one frame must roll");
        }
        if (windowFrames - sinkFrames < framesPerChunk) {
            throw new IllegalArgumentException("the rolling part of the window (windowFrames − sinkFrames = "
                    + (windowFrames - sinkFrames) + ") must hold a whole chunk (framesPerChunk = " + framesPerChunk + ")");
        }
        if ((long) tokensPerFrame * framesPerChunk > Integer.MAX_VALUE / 4
                || (long) windowFrames * tokensPerFrame > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("token counts of this shape overflow the kernels' int indices");
        }
    }

    /**
     * A preset by name with the given KV window.
     *
     * @param windowFrames the window in latent frames, the 3 sink frames included (18: the default of
     *                     DESIGN.md; 6: the short window of the PyTorch reference table)
     * @throws IllegalArgumentException for an unknown name or a window not longer than the sink
     */
    public static ModelPreset of(String name, int windowFrames) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> new ModelPreset("tiny", 2, 32, 2, 64, 8, 3, 3, windowFrames, 512);
            case "wan-1.3b" -> new ModelPreset("wan-1.3b", 30, 1536, 12, 8960, 1560, 3, 3, windowFrames, 512);
            case "wan-14b" -> new ModelPreset("wan-14b", 40, 5120, 40, 13824, 1560, 3, 3, windowFrames, 512);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "'; known: " + NAMES);
        };
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    /** @return the width of one attention head. */
    public int headDim() {
        return hidden / heads;
    }

    /** @return the latent tokens of one chunk. */
    public int tokensPerChunk() {
        return tokensPerFrame * framesPerChunk;
    }

    /** @return the most tokens the KV window holds. */
    public int windowTokens() {
        return windowFrames * tokensPerFrame;
    }

    /** @return the bf16 bytes of one chunk's output (the denoised latent). */
    public long payloadBytes() {
        return (long) tokensPerChunk() * hidden * 2;
    }

    /** @return the bf16 elements of all weights: per layer 8·hidden² + 2·hidden·ffn. */
    public long weightElements() {
        return (long) layers * (8L * hidden * hidden + 2L * hidden * ffn);
    }

    /**
     * @return the multiply-add FLOPs of one chunk at batch 1 with a full window: 4 denoising forwards
     *         plus the K/V forward (which stops after the last layer's QKV), GEMMs and attention, as
     *         the PyTorch reference counts them (2 FLOPs per multiply-add)
     */
    public double chunkFlops() {
        double n = tokensPerChunk();
        double d = hidden;
        double perLayerGemm = 2 * n * (3 * d * d + d * d + d * d + d * d + 2 * d * ffn);
        double selfAttention = 4 * n * (windowTokens() + n) * d;
        double crossAttention = 4 * n * textTokens * d;
        double textKv = 2.0 * textTokens * d * 2 * d;
        double fullForward = perLayerGemm + selfAttention + crossAttention;
        double kvForward = (layers - 1) * fullForward + 2 * n * 3 * d * d;
        return 4 * layers * fullForward + kvForward + layers * textKv;
    }

    /**
     * @return a digest of the shape and the weight seed, written into every state's header so that a
     *         state of another shape or other weights is refused instead of misread. For the
     *         {@code tiny} preset it equals the CPU executor's fingerprint of the same shape and seed,
     *         so states of the two executors are interchangeable
     */
    public long fingerprint(long modelSeed) {
        long h = Rng.mix64(0x7469_6E79L); // "tiny": the CPU executor's constant, kept for every preset
        for (long v : new long[] {layers, hidden, heads, ffn, tokensPerFrame, framesPerChunk, sinkFrames, windowFrames,
                textTokens, modelSeed}) {
            h = Rng.mix64(h + Rng.GAMMA + v);
        }
        return h;
    }
}
