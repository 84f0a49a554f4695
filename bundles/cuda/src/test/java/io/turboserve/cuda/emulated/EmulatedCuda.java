package io.turboserve.cuda.emulated;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An emulation of CUDA for tests on machines without a GPU: stand-ins for the libraries JavaCPP's
 * CUDA presets link against, built with g++ from {@code fake_cuda.cpp} (a resource of this test
 * jar), and a child JVM that runs a GPU test class over them through the real JNI bindings. It
 * checks behaviour only (host memory, memcpy copies); no figure measured under it means anything.
 * Shared by the CUDA executor's and the NCCL transport's tests through this bundle's test jar, and
 * by {@code run/gpu-check --emulated} through {@link #main}. Needs no JUnit: failures are
 * {@link AssertionError}s.
 */
public final class EmulatedCuda {
    private static final String[][] LIBRARIES = {
        {"FAKE_CUDART", "libcudart.so.13"}, {"FAKE_DRIVER", "libcuda.so.1"}, {"FAKE_CUBLAS", "libcublas.so.13"},
        {"FAKE_CUBLASLT", "libcublasLt.so.13"}, {"FAKE_NVRTC", "libnvrtc.so.13"}, {"FAKE_NCCL", "libnccl.so.2"},
    };

    private EmulatedCuda() {
    }

    /** Builds the libraries: {@code EmulatedCuda DIR [KERNELS_DIR HEAD_DIM]} (see {@link #build}). */
    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 3) {
            System.err.println("usage: EmulatedCuda DIR [KERNELS_DIR HEAD_DIM]");
            System.exit(64);
        }
        String why = unavailable();
        if (why != null) {
            System.err.println(why);
            System.exit(2);
        }
        build(Path.of(args[0]), args.length == 3 ? Path.of(args[1]) : null, args.length == 3 ? Integer.parseInt(args[2]) : 0);
    }

    /** @return why the emulation cannot be built here, or null when it can */
    public static String unavailable() {
        String arch = System.getProperty("os.arch");
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
            return "the CUDA emulation is built for x86-64; this is " + arch;
        }
        return onPath("g++") == null ? "g++ is not on the PATH, so the CUDA emulation cannot be built" : null;
    }

    /**
     * Builds the libraries into {@code dir}.
     *
     * @param kernels a folder holding {@code kernels.cu} and its CPU emulator {@code cuda_host.h},
     *                whose kernels the driver then runs (built for head dim {@code hd}); or null
     *                for a driver that refuses every module
     */
    public static void build(Path dir, Path kernels, int hd) throws Exception {
        Path source = dir.resolve("fake_cuda.cpp");
        try (InputStream in = EmulatedCuda.class.getResourceAsStream("fake_cuda.cpp")) {
            Files.write(source, in.readAllBytes());
        }
        for (String[] lib : LIBRARIES) {
            Path map = dir.resolve(lib[1] + ".map");
            // The bindings ask for symbols versioned with the soname.
            Files.writeString(map, lib[1] + " { global: *; };\n");
            List<String> cmd = new ArrayList<>(List.of(onPath("g++"), "-std=c++17", "-O2", "-shared", "-fPIC",
                    "-ffp-contract=off", "-fno-strict-aliasing", "-D" + lib[0]));
            if (kernels != null) {
                cmd.addAll(List.of("-DFAKE_KERNELS", "-DHD=" + hd, "-I" + kernels));
            }
            cmd.addAll(List.of(source.toString(), "-Wl,-soname," + lib[1], "-Wl,--version-script=" + map, "-o",
                    dir.resolve(lib[1]).toString()));
            run(cmd, Map.of(), null, 300);
        }
    }

    /**
     * Runs every {@code @Test} of {@code testClass} in a child JVM over the libraries in {@code dir}
     * (see {@link EmulatedTestRun}) and fails unless none failed and every test in {@code mustPass}
     * passed (rather than skipped).
     *
     * @param env more environment for the child, such as {@code TS_FAKE_GPUS}
     * @return the child's output
     */
    public static String runTests(Path dir, Class<?> testClass, Map<String, String> env, Set<String> mustPass)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("LD_LIBRARY_PATH", dir.toString());
        String log = run(List.of(java, "-Dorg.bytedeco.javacpp.platform.linkpath=" + dir, "-cp",
                System.getProperty("java.class.path"), EmulatedTestRun.class.getName(), testClass.getName()), all, null, 900);
        for (String test : mustPass) {
            if (!log.contains("PASS " + test + " ")) {
                throw new AssertionError(test + " did not pass on the emulated device:\n" + log);
            }
        }
        return log;
    }

    /**
     * Runs a command with more environment and, when given, {@code input} on its standard input.
     *
     * @return its output (standard error included)
     * @throws AssertionError when it runs past {@code seconds} or exits other than 0
     */
    public static String run(List<String> cmd, Map<String, String> env, String input, int seconds) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        b.environment().putAll(env);
        Process p = b.start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        // Drained on another thread, so that the time limit holds even for a child that hangs
        // with its output open.
        java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                return ("(output unreadable: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " timed out after " + seconds + " s");
        }
        String log = new String(out.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + log);
        }
        return log;
    }

    /** @return the path of an executable on the PATH, or null */
    public static String onPath(String name) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** Copies a class-path resource to a file. */
    public static void copyResource(Class<?> owner, String resource, Path to) throws IOException {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no resource " + resource);
            }
            Files.write(to, in.readAllBytes());
        }
    }
}
