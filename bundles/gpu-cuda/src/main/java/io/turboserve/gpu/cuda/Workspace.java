package io.turboserve.gpu.cuda;

/**
 * The scratch buffers of one worker's step, carved out of one device allocation: every region
 * 256-byte aligned, sized for {@code maxBatch} sessions (rows = maxBatch × tokens per chunk), all
 * bf16. The concatenated rows of every session of a step go through each projection together.
 *
 * @param x      the latent being denoised (rows × hidden)
 * @param h      the residual stream of a forward (rows × hidden)
 * @param ln     a LayerNorm output (rows × hidden)
 * @param qkv    the self-attention projection (rows × 3·hidden: q | k | v)
 * @param att    an attention output (rows × hidden)
 * @param q      the cross-attention query (rows × hidden)
 * @param tmp    a projection output before the residual add (rows × hidden)
 * @param up     the MLP inner activation (rows × ffn)
 * @param tokens one prompt's text tokens (textTokens × hidden)
 * @param text   per batch position and layer, the text K | V (textTokens × 2·hidden)
 * @param bytes  the whole allocation
 */
public record Workspace(long x, long h, long ln, long qkv, long att, long q, long tmp, long up, long tokens, long text,
        long bytes) {

    static final long ALIGN = 256;

    /** @return the offsets (from 0) of a workspace for this preset and batch. */
    public static Workspace plan(ModelPreset p, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        long rows = (long) maxBatch * p.tokensPerChunk();
        long d = p.hidden();
        long at = 0;
        long x = at;
        at = next(at, rows * d);
        long h = at;
        at = next(at, rows * d);
        long ln = at;
        at = next(at, rows * d);
        long qkv = at;
        at = next(at, rows * 3 * d);
        long att = at;
        at = next(at, rows * d);
        long q = at;
        at = next(at, rows * d);
        long tmp = at;
        at = next(at, rows * d);
        long up = at;
        at = next(at, rows * p.ffn());
        long tokens = at;
        at = next(at, (long) p.textTokens() * d);
        long text = at;
        at = align(at + maxBatch * textBytes(p)); // already bytes
        return new Workspace(x, h, ln, qkv, att, q, tmp, up, tokens, text, at);
    }

    /** @return the bytes of one session's text K | V for every layer. */
    public static long textBytes(ModelPreset p) {
        return align((long) p.layers() * p.textTokens() * 2 * p.hidden() * 2);
    }

    /** @return the offset of the text K | V of a layer for batch position {@code s}. */
    public long text(ModelPreset p, int s, int layer) {
        return text + s * textBytes(p) + (long) layer * p.textTokens() * 2 * p.hidden() * 2;
    }

    /** @return this workspace's offsets moved to an allocation at {@code base}. */
    public Workspace at(long base) {
        return new Workspace(base + x, base + h, base + ln, base + qkv, base + att, base + q, base + tmp, base + up,
                base + tokens, base + text, bytes);
    }

    private static long next(long at, long elements) {
        return align(at + elements * 2);
    }

    static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }
}
