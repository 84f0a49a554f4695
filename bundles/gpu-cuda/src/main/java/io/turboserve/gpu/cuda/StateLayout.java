package io.turboserve.gpu.cuda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Where everything sits in a session's packed state: the CPU executor's layout, so that a state is
 * one allocation (an offload, a restore, a migration is one copy) and a {@code tiny} state moves
 * between the two executors unchanged.
 *
 * <pre>
 *   [0, 64)   the header, little-endian:
 *             0 int magic 'TSKV' (0x564B5354) · 4 int layout version 1 · 8 long next chunk index ·
 *             16 long session seed · 24 long frames written (all time) · 32 long prompt seed ·
 *             40 long model fingerprint · 48..63 zero
 *   [64, ..)  the KV window, bf16: [layer][K, V][slot 0..windowFrames-1][token][hidden]
 * </pre>
 * Frame j of the session (counting every frame ever written) sits in slot j while j &lt; sinkFrames,
 * otherwise in slot {@code sinkFrames + (j - sinkFrames) mod (windowFrames - sinkFrames)}. The valid
 * frames after {@code f} frames are written are always slots {@code [0, min(f, windowFrames))}, so
 * attention reads one contiguous range per layer.
 */
public final class StateLayout {
    public static final int HEADER_BYTES = 64;
    public static final int MAGIC = 0x564B_5354;
    public static final int VERSION = 1;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ModelPreset preset;

    public StateLayout(ModelPreset preset) {
        this.preset = preset;
    }

    /** @return the bytes of one frame of one layer's K (or V). */
    public long frameBytes() {
        return (long) preset.tokensPerFrame() * preset.hidden() * 2;
    }

    /** @return the size of a packed state. */
    public long stateBytes() {
        return HEADER_BYTES + (long) preset.layers() * 2 * preset.windowFrames() * frameBytes();
    }

    /** @return the byte offset of slot 0 of a layer's K ({@code kind} 0) or V ({@code kind} 1). */
    public long windowOffset(int layer, int kind) {
        if (layer < 0 || layer >= preset.layers() || (kind != 0 && kind != 1)) {
            throw new IndexOutOfBoundsException("layer " + layer + ", kind " + kind);
        }
        return HEADER_BYTES + ((long) layer * 2 + kind) * preset.windowFrames() * frameBytes();
    }

    /** @return the window slot of frame {@code frame} (counting every frame the session wrote). */
    public int slotOf(long frame) {
        if (frame < preset.sinkFrames()) {
            return (int) frame;
        }
        return preset.sinkFrames() + (int) ((frame - preset.sinkFrames()) % (preset.windowFrames() - preset.sinkFrames()));
    }

    /** @return the tokens attention reads from the window after {@code framesWritten} frames. */
    public int validTokens(long framesWritten) {
        return (int) Math.min(framesWritten, preset.windowFrames()) * preset.tokensPerFrame();
    }

    /** A decoded header. */
    public record Header(long nextChunk, long seed, long framesWritten, long promptSeed, long fingerprint) {

        /** @return the header after one more chunk of {@code frames} frames. */
        public Header advanced(int frames) {
            return new Header(nextChunk + 1, seed, framesWritten + frames, promptSeed, fingerprint);
        }

        /** @return the 64 header bytes. */
        public byte[] encode() {
            byte[] b = new byte[HEADER_BYTES];
            INT.set(b, 0, MAGIC);
            INT.set(b, 4, VERSION);
            LONG.set(b, 8, nextChunk);
            LONG.set(b, 16, seed);
            LONG.set(b, 24, framesWritten);
            LONG.set(b, 32, promptSeed);
            LONG.set(b, 40, fingerprint);
            return b;
        }

        /**
         * @return the header in {@code bytes}, or null when they hold none (never created, or
         *         allocated and not yet filled by a restore or a copy)
         */
        public static Header decode(byte[] bytes) {
            if (bytes.length < HEADER_BYTES || (int) INT.get(bytes, 0) != MAGIC || (int) INT.get(bytes, 4) != VERSION) {
                return null;
            }
            return new Header((long) LONG.get(bytes, 8), (long) LONG.get(bytes, 16), (long) LONG.get(bytes, 24),
                    (long) LONG.get(bytes, 32), (long) LONG.get(bytes, 40));
        }

        /**
         * @return null when this state may compute chunk {@code chunkIndex} of the described session,
         *         otherwise why not
         */
        public static String refusal(Header header, long fingerprint, long seed, long promptSeed, long chunkIndex) {
            if (header == null) {
                return "the state holds no session (never created, or allocated and not yet filled by a restore or copy)";
            }
            if (header.fingerprint() != fingerprint) {
                return "the state was written by another model shape or weight seed";
            }
            if (header.seed() != seed || header.promptSeed() != promptSeed) {
                return "the state belongs to a session with another seed or prompt";
            }
            if (header.nextChunk() != chunkIndex) {
                return "chunk " + chunkIndex + " asked for, but the state is at chunk " + header.nextChunk();
            }
            return null;
        }
    }
}
