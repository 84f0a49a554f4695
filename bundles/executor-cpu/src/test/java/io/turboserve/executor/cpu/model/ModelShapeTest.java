package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelShapeTest {

    @Test
    void defaultStateIsHeaderPlusBf16KvOfEveryLayerAndWindowFrame() {
        ModelShape shape = ModelShape.tiny(1234);
        // 64 + layers 2 × (K, V) 2 × 18 frames × 8 tokens × 32 hidden × 2 bytes = 64 + 36864
        assertEquals(36_928, shape.stateBytes());
        assertEquals(24, shape.tokensPerChunk());
        assertEquals(16, shape.headDim());
        assertEquals(24 * 32 * 2, shape.payloadBytes());
    }

    @Test
    void fingerprintDependsOnShapeAndSeed() {
        assertEquals(ModelShape.tiny(1).fingerprint(), ModelShape.tiny(1).fingerprint());
        assertNotEquals(ModelShape.tiny(1).fingerprint(), ModelShape.tiny(2).fingerprint());
        assertNotEquals(ModelShape.tiny(1).fingerprint(),
                new ModelShape(2, 32, 2, 64, 8, 3, 3, 18, 256, 1).fingerprint());
    }

    @Test
    void badShapesAreRefusedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelShape(2, 30, 4, 64, 8, 3, 3, 18, 512, 1));
        assertTrue(e.getMessage().contains("multiple of heads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelShape(0, 32, 2, 64, 8, 3, 3, 18, 512, 1));
        assertTrue(e.getMessage().startsWith("layers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelShape(2, 32, 2, 64, 8, 3, 3, 3, 512, 1));
        assertTrue(e.getMessage().startsWith("windowFrames"), e.getMessage());
    }
}
