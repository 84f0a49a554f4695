package io.turboserve.gpu.cuda;

import io.turboserve.cuda.emulated.EmulatedCuda;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA executor's own tests ({@link CudaExecutorGpuTest}: the tiny equivalence with the CPU
 * executor for every attention kernel, offload, restore and migration continuing the same chunks,
 * the memory budget and stale handles) run end to end on a machine without a GPU: the real Java
 * code and JavaCPP's real JNI bindings, in a child JVM, over the CUDA emulation of
 * {@code io.turboserve.cuda}'s test jar ({@link EmulatedCuda}), whose driver runs {@code kernels.cu}
 * under the CPU kernel emulator ({@code src/test/emulator/cuda_host.h}). Behaviour only: no figure
 * measured there means anything (run/gpu-check measures those on a GPU). Skips, saying why, where
 * the emulation cannot be built.
 */
class CudaExecutorOnEmulatorTest {
    @Test
    void theExecutorsGpuTestsPassOnTheEmulatedDevice(@TempDir Path dir) throws Exception {
        String why = EmulatedCuda.unavailable();
        Assumptions.assumeTrue(why == null, () -> why);
        Path kernels = Files.createDirectories(dir.resolve("kernels"));
        EmulatedCuda.copyResource(getClass(), "/io/turboserve/gpu/cuda/kernels.cu", kernels.resolve("kernels.cu"));
        Files.copy(Path.of("src", "test", "emulator", "cuda_host.h"), kernels.resolve("cuda_host.h"));
        EmulatedCuda.build(dir, kernels, 16); // the tiny preset's head dim
        String log = EmulatedCuda.runTests(dir, CudaExecutorGpuTest.class, Map.of(), Set.of(
                "tinyChunksMatchTheCpuExecutor", "offloadRestoreAndMigrationContinueTheSameChunks",
                "refusesBeyondItsBudgetAndStaleHandles"));
        System.out.println(log);
    }
}
