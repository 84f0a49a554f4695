package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA executor's own tests ({@link CudaExecutorGpuTest}: the tiny equivalence with the CPU
 * executor for every attention kernel, offload, restore and migration continuing the same chunks,
 * the memory budget and stale handles) run end to end on a machine without a GPU: the real Java
 * code and JavaCPP's real JNI bindings, over stand-ins for libcudart, libcuda, libcublas and libnvrtc
 * built here from {@code src/test/emulator/fake_cuda.cpp}, whose kernels are {@code kernels.cu} run by
 * the CPU kernel emulator. It checks behaviour only: memory is host memory, copies are memcpy, and
 * no figure it could print would mean anything (run/gpu-check measures those on a GPU).
 *
 * <p>It runs them in a child JVM, since the libraries must be on the library path when JavaCPP
 * loads them, and needs g++ on an x86-64 machine; it skips with a message otherwise.
 */
class CudaExecutorOnEmulatorTest {
    private static final String[][] LIBRARIES = {
        {"FAKE_CUDART", "libcudart.so.13"}, {"FAKE_DRIVER", "libcuda.so.1"}, {"FAKE_CUBLAS", "libcublas.so.13"},
        {"FAKE_CUBLASLT", "libcublasLt.so.13"}, {"FAKE_NVRTC", "libnvrtc.so.13"},
    };

    @Test
    void theExecutorsGpuTestsPassOnTheEmulatedDevice(@TempDir Path dir) throws Exception {
        String arch = System.getProperty("os.arch");
        Assumptions.assumeTrue("amd64".equals(arch) || "x86_64".equals(arch),
                "the kernel emulator switches stacks with x86-64 code; this is " + arch);
        String gxx = onPath("g++");
        Assumptions.assumeTrue(gxx != null, "g++ is not on the PATH: the CUDA executor is not run on the CPU");
        try (InputStream in = getClass().getResourceAsStream("/io/turboserve/gpu/cuda/kernels.cu")) {
            Files.write(dir.resolve("kernels.cu"), in.readAllBytes());
        }
        Path emulator = Path.of("src", "test", "emulator").toAbsolutePath();
        for (String[] lib : LIBRARIES) {
            Path map = dir.resolve(lib[1] + ".map");
            // The bindings ask for symbols versioned with the soname.
            Files.writeString(map, lib[1] + " { global: *; };\n");
            run(List.of(gxx, "-std=c++17", "-O2", "-shared", "-fPIC", "-ffp-contract=off", "-fno-strict-aliasing",
                    "-DHD=16", "-D" + lib[0], "-I" + emulator, "-I" + dir, emulator.resolve("fake_cuda.cpp").toString(),
                    "-Wl,-soname," + lib[1], "-Wl,--version-script=" + map, "-o", dir.resolve(lib[1]).toString()),
                    null, 300);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Dorg.bytedeco.javacpp.platform.linkpath=" + dir, "-cp",
                System.getProperty("java.class.path"), EmulatedGpuRun.class.getName()));
        String log = run(cmd, dir.toString(), 900);
        System.out.println(log);
        assertTrue(log.contains("PASS tinyChunksMatchTheCpuExecutor"), log);
    }

    /** Runs a command (with {@code libraryPath} as LD_LIBRARY_PATH when given); fails unless it exits 0. */
    private static String run(List<String> cmd, String libraryPath, int seconds) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (libraryPath != null) {
            b.environment().put("LD_LIBRARY_PATH", libraryPath);
        }
        Process p = b.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), cmd.get(0) + " timed out");
        String log = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + log);
        return log;
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
