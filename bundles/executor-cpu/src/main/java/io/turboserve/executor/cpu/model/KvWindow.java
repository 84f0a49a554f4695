package io.turboserve.executor.cpu.model;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The KV window inside a packed state, after the {@link StateHeader}: bf16 little-endian,
 * {@code [layer][K, V][slot 0..windowFrames-1][token 0..tokensPerFrame-1][hidden]}.
 *
 * <p>Frame number j (counting every frame the session ever wrote) lives in slot j while
 * {@code j < sinkFrames} (the sink frames stay for good), otherwise in slot
 * {@code sinkFrames + (j - sinkFrames) mod (windowFrames - sinkFrames)}, overwriting the oldest
 * rolling frame. Attention reads the window in logical order, sink frames then rolling frames from
 * oldest to newest, whatever slots they sit in, so the result is a function of what the window
 * holds and not of where.
 */
final class KvWindow {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final ModelShape shape;
    private final int rolling;

    KvWindow(ModelShape shape) {
        this.shape = shape;
        this.rolling = shape.windowFrames() - shape.sinkFrames();
    }

    /** @return how many tokens the window holds after {@code framesWritten} frames. */
    int validTokens(long framesWritten) {
        return (int) Math.min(framesWritten, shape.windowFrames()) * shape.tokensPerFrame();
    }

    /**
     * Decodes one layer's K and V, in logical order, into {@code k} and {@code v} (rows of
     * {@code hidden}, {@link #validTokens} rows used).
     */
    void read(byte[] state, int layer, long framesWritten, float[] k, float[] v) {
        int row = 0;
        long sinks = Math.min(framesWritten, shape.sinkFrames());
        for (long frame = 0; frame < sinks; frame++) {
            row = readFrame(state, layer, slotOf(frame), k, v, row);
        }
        long firstRolling = Math.max(shape.sinkFrames(), framesWritten - rolling);
        for (long frame = firstRolling; frame < framesWritten; frame++) {
            row = readFrame(state, layer, slotOf(frame), k, v, row);
        }
    }

    /**
     * Writes one layer's K and V of a chunk's tokens ({@code tokensPerChunk} rows starting at row
     * {@code fromRow}, already bf16 values) as frames {@code framesWritten ..} of the window.
     */
    void write(byte[] state, int layer, long framesWritten, float[] k, float[] v, int fromRow) {
        int hidden = shape.hidden();
        int tokens = shape.tokensPerFrame();
        for (int f = 0; f < shape.framesPerChunk(); f++) {
            int slot = slotOf(framesWritten + f);
            for (int t = 0; t < tokens; t++) {
                int src = (fromRow + f * tokens + t) * hidden;
                int kAt = offset(layer, 0, slot, t);
                int vAt = offset(layer, 1, slot, t);
                for (int d = 0; d < hidden; d++) {
                    SHORT.set(state, kAt + 2 * d, Bf16.fromFloat(k[src + d]));
                    SHORT.set(state, vAt + 2 * d, Bf16.fromFloat(v[src + d]));
                }
            }
        }
    }

    private int readFrame(byte[] state, int layer, int slot, float[] k, float[] v, int row) {
        int hidden = shape.hidden();
        for (int t = 0; t < shape.tokensPerFrame(); t++, row++) {
            int kAt = offset(layer, 0, slot, t);
            int vAt = offset(layer, 1, slot, t);
            for (int d = 0; d < hidden; d++) {
                k[row * hidden + d] = Bf16.toFloat((short) SHORT.get(state, kAt + 2 * d));
                v[row * hidden + d] = Bf16.toFloat((short) SHORT.get(state, vAt + 2 * d));
            }
        }
        return row;
    }

    int slotOf(long frame) {
        if (frame < shape.sinkFrames()) {
            return (int) frame;
        }
        return shape.sinkFrames() + (int) ((frame - shape.sinkFrames()) % rolling);
    }

    private int offset(int layer, int kind, int slot, int token) {
        int frameIndex = (layer * 2 + kind) * shape.windowFrames() + slot;
        return StateHeader.BYTES + frameIndex * shape.frameBytes() + token * shape.hidden() * 2;
    }
}
