package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KvWindowTest {
    // 1 layer, hidden 2, 1 token per frame, 1 frame per chunk, 2 sink frames, window 5 (3 rolling).
    private final ModelShape shape = new ModelShape(1, 2, 1, 4, 1, 1, 2, 5, 1, 0);
    private final KvWindow window = new KvWindow(shape);

    /** Writes frame {@code frame} with K = (frame, frame) and V = (−frame, −frame). */
    private void writeFrame(byte[] state, long frame) {
        float[] k = {frame, frame};
        float[] v = {-frame, -frame};
        window.write(state, 0, frame, k, v, 0);
    }

    private float[] readKeys(byte[] state, long framesWritten) {
        float[] k = new float[shape.windowTokens() * 2];
        float[] v = new float[shape.windowTokens() * 2];
        window.read(state, 0, framesWritten, k, v);
        int rows = window.validTokens(framesWritten);
        float[] firstColumn = new float[rows];
        for (int r = 0; r < rows; r++) {
            firstColumn[r] = k[2 * r];
            assertEquals(-k[2 * r], v[2 * r], 0f, "V of a frame is minus its K");
        }
        return firstColumn;
    }

    @Test
    void sinkFramesStayAndTheRestRollOldestFirst() {
        byte[] state = new byte[shape.stateBytes()];
        for (long frame = 0; frame < 11; frame++) {
            writeFrame(state, frame);
        }
        // After 11 frames: sinks 0, 1 kept; the rolling part holds the newest 3 frames, 8, 9, 10.
        assertEquals(5, window.validTokens(11));
        assertArrayEquals(new float[] {0, 1, 8, 9, 10}, readKeys(state, 11));
    }

    @Test
    void aWindowNotYetFullReadsWhatWasWritten() {
        byte[] state = new byte[shape.stateBytes()];
        for (long frame = 0; frame < 3; frame++) {
            writeFrame(state, frame);
        }
        assertArrayEquals(new float[] {0, 1, 2}, readKeys(state, 3));
        assertArrayEquals(new float[0], readKeys(state, 0));
    }

    @Test
    void slotsOfRollingFramesWrapAfterTheSinks() {
        assertEquals(0, window.slotOf(0));
        assertEquals(1, window.slotOf(1));
        assertEquals(2, window.slotOf(2));
        assertEquals(4, window.slotOf(4));
        assertEquals(2, window.slotOf(5));
        // frame 10^12 + 4: 2 + (10^12 + 2) mod 3 = 2 + 0
        assertEquals(2, window.slotOf(1_000_000_000_000L + 4));
    }
}
