package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turboserve.executor.cpu.model.CounterRng;
import io.turboserve.executor.cpu.model.TinyVideoDit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The host copy of the generator (what the kernel computes) equals the CPU executor's, bit for bit. */
class RngTest {

    @Test
    void uniformAndPromptSeedMatchTheCpuExecutor() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long seed = random.nextLong();
            long tensor = random.nextLong(1L << 41);
            long index = random.nextLong(1L << 33);
            assertEquals(Float.floatToRawIntBits(CounterRng.uniform(seed, tensor, index)),
                    Float.floatToRawIntBits(Rng.uniform(seed, tensor, index)));
        }
        for (String prompt : new String[] {"", "a cat", "ünïcødé 🎥"}) {
            assertEquals(CounterRng.promptSeed(prompt), Rng.promptSeed(prompt));
        }
        assertEquals(TinyVideoDit.TEXT_TENSOR, Rng.TEXT_TENSOR);
        assertEquals(TinyVideoDit.NOISE_TENSOR, Rng.NOISE_TENSOR);
        assertEquals(CounterRng.GAMMA, Rng.GAMMA);
    }
}
