package io.turboserve.executor.cpu.model;

/**
 * The shape of the tiny causal video DiT and the seed of its weights.
 *
 * @param layers         transformer blocks
 * @param hidden         model width; a multiple of {@code heads}
 * @param heads          attention heads (self and cross)
 * @param ffn            MLP inner width
 * @param tokensPerFrame latent tokens per video frame
 * @param framesPerChunk latent frames one chunk produces
 * @param sinkFrames     the first frames ever written, kept in the KV window for good
 * @param windowFrames   KV window length in frames, sink frames included; the rest roll
 * @param textTokens     text tokens the cross-attention reads
 * @param modelSeed      the seed of every weight
 */
public record ModelShape(int layers, int hidden, int heads, int ffn, int tokensPerFrame, int framesPerChunk,
        int sinkFrames, int windowFrames, int textTokens, long modelSeed) {

    /** Limits that keep every index computation in {@code int} and a state in one Java array. */
    static final int MAX_WIDTH = 8192;
    static final int MAX_COUNT = 4096;

    public ModelShape {
        range("layers", layers, 1, MAX_COUNT);
        range("hidden", hidden, 1, MAX_WIDTH);
        range("heads", heads, 1, hidden);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden (" + hidden + ") must be a multiple of heads (" + heads + ")");
        }
        range("ffn", ffn, 1, 4 * MAX_WIDTH);
        range("tokensPerFrame", tokensPerFrame, 1, MAX_COUNT);
        range("framesPerChunk", framesPerChunk, 1, MAX_COUNT);
        range("sinkFrames", sinkFrames, 0, MAX_COUNT);
        range("windowFrames", windowFrames, sinkFrames + 1, MAX_COUNT);
        range("textTokens", textTokens, 1, 65536);
        long kv = (long) layers * 2 * windowFrames * tokensPerFrame * hidden * 2;
        if (StateHeader.BYTES + kv > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a state of this shape needs " + (StateHeader.BYTES + kv)
                    + " bytes, more than one Java array holds; reduce layers, hidden, tokensPerFrame or windowFrames");
        }
        if ((long) tokensPerFrame * framesPerChunk > MAX_COUNT) {
            throw new IllegalArgumentException("tokensPerFrame × framesPerChunk must be at most " + MAX_COUNT);
        }
    }

    /** The defaults: a chunk takes a few milliseconds on one core. */
    public static ModelShape tiny(long modelSeed) {
        return new ModelShape(2, 32, 2, 64, 8, 3, 3, 18, 512, modelSeed);
    }

    private static void range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
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

    /** @return the bytes of one layer's K (or V) for one frame, in bf16. */
    public int frameBytes() {
        return tokensPerFrame * hidden * 2;
    }

    /** @return the bytes of one chunk's output: the denoised latent, bf16. */
    public int payloadBytes() {
        return tokensPerChunk() * hidden * 2;
    }

    /** @return the size of a packed state: the header, then K and V of every layer and window slot. */
    public int stateBytes() {
        return StateHeader.BYTES + layers * 2 * windowFrames * frameBytes();
    }

    /**
     * @return a digest of the shape and the weight seed; a state's header carries it, so a state
     *         written under another shape or other weights is refused instead of misread
     */
    public long fingerprint() {
        long h = CounterRng.mix64(0x7469_6E79L); // "tiny"
        for (long v : new long[] {layers, hidden, heads, ffn, tokensPerFrame, framesPerChunk, sinkFrames,
                windowFrames, textTokens, modelSeed}) {
            h = CounterRng.mix64(h + CounterRng.GAMMA + v);
        }
        return h;
    }
}
