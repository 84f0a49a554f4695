package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TinyVideoDitTest {
    private final ModelShape shape = ModelShape.tiny(1234);
    private final TinyVideoDit model = new TinyVideoDit(shape);

    private byte[] fresh(long seed, long promptSeed) {
        byte[] state = new byte[shape.stateBytes()];
        StateHeader.initialise(state, seed, promptSeed, shape.fingerprint());
        return state;
    }

    @Test
    void matmulSumsEachOutputSequentiallyOverItsInputs() {
        int rows = 3;
        int in = 37;
        int out = 6;
        float[] a = new float[rows * in];
        float[] wT = new float[out * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = Bf16.round(CounterRng.uniform(1, 1, i));
        }
        for (int i = 0; i < wT.length; i++) {
            wT[i] = Bf16.round(CounterRng.uniform(1, 2, i));
        }
        float[] c = Kernels.matmul(a, rows, in, wT, out);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < out; j++) {
                float sum = 0f;
                for (int k = 0; k < in; k++) {
                    sum += a[r * in + k] * wT[j * in + k];
                }
                assertEquals(Bf16.round(sum), c[r * out + j], "row " + r + " column " + j);
            }
        }
    }

    @Test
    void aChunkAttendsToTheWindowTheEarlierChunksWrote() {
        // Two states at chunk 1 of the same session: one wrote chunk 0 into its window, the other's
        // window was emptied again. The KV cache must change chunk 1.
        byte[] continued = fresh(5, 6);
        model.step(List.of(new TinyVideoDit.Item(continued, 5, 6, 0)));
        byte[] emptied = fresh(5, 6);
        StateHeader.advance(emptied, 0); // next chunk 1, frames written 0
        byte[] withHistory = model.step(List.of(new TinyVideoDit.Item(continued, 5, 6, 1))).get(0);
        byte[] withoutHistory = model.step(List.of(new TinyVideoDit.Item(emptied, 5, 6, 1))).get(0);
        assertFalse(Arrays.equals(withHistory, withoutHistory));
    }

    @Test
    void aStepAdvancesTheHeaderAndFillsTheWindow() {
        byte[] state = fresh(1, 2);
        model.step(List.of(new TinyVideoDit.Item(state, 1, 2, 0)));
        assertEquals(1, StateHeader.nextChunk(state));
        assertEquals(3, StateHeader.framesWritten(state));
        boolean written = false;
        for (int i = StateHeader.BYTES; i < state.length; i++) {
            written |= state[i] != 0;
        }
        assertEquals(true, written);
    }
}
