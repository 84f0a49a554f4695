package io.turboserve.gpu.cuda;

import static io.turboserve.gpu.cuda.Native.driver;
import static io.turboserve.gpu.cuda.Native.nvrtc;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTX;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTXSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The kernels of {@code kernels.cu}, compiled by NVRTC to a cubin for one device's architecture and
 * loaded into its primary context (the caller has made that context current).
 */
final class KernelModule implements AutoCloseable {
    static final String SOURCE = "kernels.cu";

    final CUfunc_st fill;
    final CUfunc_st layerNorm;
    final CUfunc_st gelu;
    final CUfunc_st add;
    final CUfunc_st denoise;
    final CUfunc_st scatterKv;
    final CUfunc_st attentionRef;
    final CUfunc_st flashAttention;
    final CUfunc_st flashAttention2;
    final long compileNanos;
    private final CUmod_st module;

    private KernelModule(CUmod_st module, long compileNanos) {
        this.module = module;
        this.compileNanos = compileNanos;
        this.fill = function("ts_fill_uniform");
        this.layerNorm = function("ts_layernorm");
        this.gelu = function("ts_gelu");
        this.add = function("ts_add");
        this.denoise = function("ts_denoise");
        this.scatterKv = function("ts_scatter_kv");
        this.attentionRef = function("ts_attention_ref");
        this.flashAttention = function("ts_flash_attention");
        this.flashAttention2 = function("ts_flash_attention2");
    }

    /** @return the kernel source shipped in this bundle. */
    static String source() {
        try (InputStream in = KernelModule.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the kernel source " + SOURCE + " is missing from the bundle");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the NVRTC options for a device of compute capability major.minor and a head dim. */
    static List<String> options(int major, int minor, int headDim) {
        int hd = headDim % 16 == 0 && headDim <= 128 ? headDim : 16;
        return List.of("--gpu-architecture=sm_" + major + minor, "-DHD=" + hd, "--fmad=false", "--std=c++17",
                "-default-device");
    }

    /**
     * Compiles the kernels to a cubin for sm_{major}{minor}; where this NVRTC does not know that
     * architecture (a device newer than the CUDA presets), to PTX for the newest virtual
     * architecture it does know, which the driver compiles when the module loads.
     */
    static KernelModule compile(int major, int minor, int headDim) {
        long started = System.nanoTime();
        List<String> options = options(major, minor, headDim);
        BytePointer image;
        try {
            image = compile(options, true);
        } catch (Native.CudaException e) {
            List<String> ptx = new java.util.ArrayList<>(options);
            ptx.set(0, "--gpu-architecture=compute_" + Math.min(major * 10 + minor, 90));
            try {
                image = compile(ptx, false);
            } catch (Native.CudaException again) {
                e.addSuppressed(again);
                throw e;
            }
        }
        CUmod_st module = new CUmod_st();
        driver(cuModuleLoadData(module, image), "cuModuleLoadData");
        try {
            return new KernelModule(module, System.nanoTime() - started);
        } catch (RuntimeException e) {
            cuModuleUnload(module);
            throw e;
        }
    }

    private static BytePointer compile(List<String> options, boolean cubin) {
        _nvrtcProgram program = new _nvrtcProgram();
        nvrtc(nvrtcCreateProgram(program, new BytePointer(source()), new BytePointer(SOURCE), 0, (PointerPointer<?>) null,
                (PointerPointer<?>) null), "nvrtcCreateProgram");
        try {
            int result = nvrtcCompileProgram(program, options.size(), new PointerPointer<>(options.toArray(String[]::new)));
            if (result != org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS) {
                throw new Native.CudaException("NVRTC could not compile " + SOURCE + " with " + options + ": "
                        + log(program), false);
            }
            SizeTPointer size = new SizeTPointer(1);
            BytePointer image;
            if (cubin) {
                nvrtc(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
                image = new BytePointer(size.get());
                nvrtc(nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN");
            } else {
                nvrtc(nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize");
                image = new BytePointer(size.get());
                nvrtc(nvrtcGetPTX(program, image), "nvrtcGetPTX");
            }
            return image;
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(program, size) != org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS || size.get() <= 1) {
            return "(no log)";
        }
        BytePointer text = new BytePointer(size.get());
        nvrtcGetProgramLog(program, text);
        return text.getString();
    }

    private CUfunc_st function(String name) {
        CUfunc_st f = new CUfunc_st();
        driver(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
        return f;
    }

    @Override
    public void close() {
        cuModuleUnload(module);
    }
}
