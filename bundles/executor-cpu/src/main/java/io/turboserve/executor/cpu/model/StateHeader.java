package io.turboserve.executor.cpu.model;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 64-byte header at the start of every packed state, little-endian:
 * <pre>
 *   0  int   magic 'TSKV' (0x564B5354 read as little-endian int)
 *   4  int   layout version (1)
 *   8  long  index of the next chunk to compute
 *  16  long  session seed (the initial noise)
 *  24  long  frames written into the KV window so far (all time, not capped by the window)
 *  32  long  prompt seed ({@link CounterRng#promptSeed}) of the text tokens
 *  40  long  fingerprint of the model ({@link ModelShape#fingerprint}) that wrote it
 *  48  16 bytes reserved, zero
 * </pre>
 * A state carries its own position and identity so that after an offload, restore or migration the
 * executor can check it is continuing the right session at the right chunk.
 */
public final class StateHeader {
    /** Header size in bytes; the KV window starts here. */
    public static final int BYTES = 64;
    public static final int MAGIC = 0x564B_5354;
    public static final int VERSION = 1;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private StateHeader() {
    }

    /** Writes a fresh header: chunk 0, nothing in the window. */
    public static void initialise(byte[] state, long seed, long promptSeed, long fingerprint) {
        INT.set(state, 0, MAGIC);
        INT.set(state, 4, VERSION);
        LONG.set(state, 8, 0L);
        LONG.set(state, 16, seed);
        LONG.set(state, 24, 0L);
        LONG.set(state, 32, promptSeed);
        LONG.set(state, 40, fingerprint);
        LONG.set(state, 48, 0L);
        LONG.set(state, 56, 0L);
    }

    /** @return whether the bytes start with a header of this layout version. */
    public static boolean isInitialised(byte[] state) {
        return state.length >= BYTES && (int) INT.get(state, 0) == MAGIC && (int) INT.get(state, 4) == VERSION;
    }

    public static long nextChunk(byte[] state) {
        return (long) LONG.get(state, 8);
    }

    public static long seed(byte[] state) {
        return (long) LONG.get(state, 16);
    }

    public static long framesWritten(byte[] state) {
        return (long) LONG.get(state, 24);
    }

    public static long promptSeed(byte[] state) {
        return (long) LONG.get(state, 32);
    }

    public static long fingerprint(byte[] state) {
        return (long) LONG.get(state, 40);
    }

    /** Records that one more chunk, of {@code frames} frames, is done. */
    public static void advance(byte[] state, int frames) {
        LONG.set(state, 8, nextChunk(state) + 1);
        LONG.set(state, 24, framesWritten(state) + frames);
    }

    /**
     * Checks that a state may compute chunk {@code chunkIndex} of the session described by the other
     * arguments.
     *
     * @return null when it may, otherwise why not, for an INVALID error
     */
    public static String refusal(byte[] state, long fingerprint, long seed, long promptSeed, long chunkIndex) {
        if (!isInitialised(state)) {
            return "the state holds no session (never created, or allocated and not yet filled by a restore or copy)";
        }
        if (fingerprint(state) != fingerprint) {
            return "the state was written by another model shape or weight seed";
        }
        if (seed(state) != seed || promptSeed(state) != promptSeed) {
            return "the state belongs to a session with another seed or prompt";
        }
        if (nextChunk(state) != chunkIndex) {
            return "chunk " + chunkIndex + " asked for, but the state is at chunk " + nextChunk(state);
        }
        return null;
    }
}
