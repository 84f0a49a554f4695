package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.StepItem;
import io.turboserve.executor.cpu.CpuChunkExecutor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packed state is the CPU executor's: a tiny state written by the CPU executor decodes here with
 * the right position and identity, so a state moves between the two executors unchanged.
 */
class StateLayoutTest {
    private final ModelPreset tiny = ModelPreset.of("tiny", 18);
    private final StateLayout layout = new StateLayout(tiny);

    @Test
    void aCpuExecutorStateDecodesHere() throws Exception {
        CpuChunkExecutor cpu = new CpuChunkExecutor(Configs.of(CpuChunkExecutor.Config.class, Map.of()));
        SessionSpec spec = new SessionSpec("t", "tiny", "a red kite over the sea", 42, Map.of());
        StateHandle state = cpu.create(0, "s", spec);
        assertEquals(layout.stateBytes(), state.bytes());
        for (long chunk = 0; chunk < 7; chunk++) {
            cpu.step(0, List.of(new StepItem(spec, state, chunk)));
        }
        ArraySlot slot = new ArraySlot("s", state.bytes());
        cpu.copyToHost(state, slot);
        StateLayout.Header header = StateLayout.Header.decode(slot.data);
        assertNotNull(header);
        assertEquals(7, header.nextChunk());
        assertEquals(21, header.framesWritten());
        assertEquals(42, header.seed());
        assertEquals(Rng.promptSeed(spec.prompt()), header.promptSeed());
        assertEquals(tiny.fingerprint(1234), header.fingerprint());
        assertNull(StateLayout.Header.refusal(header, tiny.fingerprint(1234), 42, header.promptSeed(), 7));
        // 21 frames: slots 0..17 all hold a frame, so every layer's K and V region is written.
        for (int l = 0; l < tiny.layers(); l++) {
            for (int kind = 0; kind < 2; kind++) {
                int from = (int) layout.windowOffset(l, kind);
                int to = from + (int) (tiny.windowFrames() * layout.frameBytes());
                boolean written = false;
                for (int i = from; i < to && !written; i++) {
                    written = slot.data[i] != 0;
                }
                assertTrue(written, "layer " + l + " kind " + kind);
            }
        }
        assertEquals(slot.data.length, (int) layout.windowOffset(tiny.layers() - 1, 1)
                + tiny.windowFrames() * layout.frameBytes());
    }

    @Test
    void headersRoundTripAndRefuseWhatDoesNotMatch() {
        StateLayout.Header h = new StateLayout.Header(3, 9, 9, 11, 77);
        assertEquals(h, StateLayout.Header.decode(h.encode()));
        assertEquals(new StateLayout.Header(4, 9, 12, 11, 77), h.advanced(3));
        assertNull(StateLayout.Header.decode(new byte[64]));
        assertTrue(StateLayout.Header.refusal(null, 77, 9, 11, 3).contains("holds no session"));
        assertTrue(StateLayout.Header.refusal(h, 78, 9, 11, 3).contains("another model"));
        assertTrue(StateLayout.Header.refusal(h, 77, 8, 11, 3).contains("another seed"));
        assertTrue(StateLayout.Header.refusal(h, 77, 9, 11, 4).contains("at chunk 3"));
    }

    @Test
    void slotsAndValidTokens() {
        assertEquals(0, layout.slotOf(0));
        assertEquals(17, layout.slotOf(17));
        assertEquals(3, layout.slotOf(18));
        assertEquals(4, layout.slotOf(19));
        assertEquals(3, layout.slotOf(18 + 15));
        assertEquals(0, layout.validTokens(0));
        assertEquals(3 * 8, layout.validTokens(3));
        assertEquals(18 * 8, layout.validTokens(1000));
        assertEquals(64, layout.windowOffset(0, 0));
        assertEquals(64 + 18 * layout.frameBytes(), layout.windowOffset(0, 1));
    }
}
