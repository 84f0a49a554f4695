package io.turboserve.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.cuda.emulated.EmulatedCuda;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel source ships in the bundle and defines exactly the kernels the executor loads. Where
 * {@code nvcc} is on the PATH (no GPU needed), the source is also compiled for sm_80 and sm_90 with
 * the options NVRTC gets, which catches syntax, type and inline-PTX errors before a GPU host does.
 */
class KernelSourceTest {
    private static final Set<String> LOADED = Set.of("ts_fill_uniform", "ts_layernorm", "ts_gelu", "ts_add",
            "ts_denoise", "ts_scatter_kv", "ts_attention_ref", "ts_flash_attention", "ts_flash_attention2");

    @Test
    void theSourceDefinesEveryKernelTheExecutorLoads() {
        String source = KernelModule.source();
        Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\(\\d+\\) )?(\\w+)\\(").matcher(source);
        Set<String> defined = new TreeSet<>();
        while (m.find()) {
            defined.add(m.group(1));
        }
        assertEquals(new TreeSet<>(LOADED), defined);
        assertTrue(!source.contains("#include"), "NVRTC compiles the source alone: no headers");
    }

    @Test
    void optionsPickTheArchitectureAndTheHeadDim() {
        assertEquals(List.of("--gpu-architecture=sm_90", "-DHD=128", "--fmad=false", "--std=c++17", "-default-device"),
                KernelModule.options(9, 0, 128));
        assertTrue(KernelModule.options(8, 0, 100).contains("-DHD=16"), "a head dim the fast kernel cannot take");
    }

    @Test
    void compilesWithNvccWhereItIsInstalled(@TempDir Path dir) throws Exception {
        String nvcc = EmulatedCuda.onPath("nvcc");
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH; the kernels are compiled by NVRTC on a GPU host");
        Path source = dir.resolve("kernels.cu");
        Files.writeString(source, KernelModule.source());
        for (String arch : new String[] {"80", "90"}) {
            for (int hd : new int[] {16, 128}) {
                List<String> cmd = new ArrayList<>(List.of(nvcc, "-cubin", "-arch=sm_" + arch, "-DHD=" + hd, "--fmad=false",
                        "-std=c++17", "-x", "cu", source.toString(), "-o", dir.resolve("k.cubin").toString()));
                EmulatedCuda.run(cmd, Map.of(), null, 120); // fails with nvcc's output
            }
        }
    }
}
