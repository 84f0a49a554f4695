package io.turboserve.cuda.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaStatus;
import org.junit.jupiter.api.Test;

/**
 * The probe against the real JavaCPP presets (whatever this machine has), and the failure
 * explanations against failures shaped like JavaCPP's.
 */
class NativeProbeTest {

    @Test
    void theRealProbeNeverThrowsAndAlwaysExplains() {
        CudaStatus status = NativeProbe.probeOnce();
        if (status.available()) {
            assertFalse(status.devices().isEmpty());
        } else {
            assertFalse(status.reason().isBlank());
            assertTrue(status.message().startsWith("CUDA not available: "), status.message());
            assertTrue(status.message().endsWith("; the CPU executor serves"), status.message());
        }
        System.out.println("probe on this machine: " + status.message());
    }

    @Test
    void theFirstResultIsKept() {
        assertSame(NativeProbe.probeOnce(), NativeProbe.probeOnce());
    }

    @Test
    void aSecondUncachedAttemptDoesNotThrowEither() {
        // What a second activation would meet if the result were not kept: the classes of the first,
        // failed attempt are still in this class loader. It must still be a status, not an exception.
        NativeProbe.probeOnce();
        CudaStatus again = NativeProbe.probeSafely(DriverQuery::query);
        assertEquals(NativeProbe.probeOnce().available(), again.available());
        if (!again.available()) {
            assertFalse(again.reason().isBlank());
        }
    }

    @Test
    void withoutADriverTheReasonNamesTheMissingLibrary() {
        CudaStatus status = NativeProbe.probeOnce();
        assumeFalse(status.available(), "this machine has a usable CUDA device; the no-driver message is not seen here");
        assertTrue(status.reason().matches(".*lib[a-zA-Z]+\\.so[.0-9]* not found.*|.*no CUDA device.*|.*driver.*"),
                status.reason());
    }

    @Test
    void onAGpuHostTheDeviceSetIsDescribed() {
        CudaStatus status = NativeProbe.probeOnce();
        assumeTrue(status.available(), () -> "GPU test skipped: no usable CUDA device on this machine ("
                + status.reason() + ")");
        assertTrue(status.driverVersion() >= 13000, "driver " + status.driverVersion());
        assertTrue(status.runtimeVersion() >= 13000, "runtime " + status.runtimeVersion());
        for (CudaDevice device : status.devices()) {
            assertFalse(device.name().isBlank());
            assertTrue(device.totalMemoryBytes() > 0);
            assertTrue(device.computeMajor() >= 3);
            assertTrue(device.multiprocessors() > 0);
        }
        assertEquals(status.devices().size(), ProbedRuntime.of(status).deviceCount());
    }

    @Test
    void javacppStyleFailureIsUnwrappedToTheMissingLibrary() {
        // JavaCPP throws "no jnicudart in java.library.path" and keeps the linker's message as the cause.
        UnsatisfiedLinkError linker = new UnsatisfiedLinkError("/root/.javacpp/cache/cuda-linux-x86_64.jar/org/bytedeco/"
                + "cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory");
        UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/java/packages/lib");
        outer.initCause(linker);
        String reason = NativeProbe.explain(outer);
        assertTrue(reason.startsWith("libcuda.so.1 not found (no NVIDIA driver) [java.lang.UnsatisfiedLinkError: "
                + "/root/.javacpp/cache/"), reason);
        assertTrue(reason.endsWith("No such file or directory]"), reason);
    }

    @Test
    void missingRuntimeLibrariesGetTheirOwnHint() {
        String reason = NativeProbe.explain(new UnsatisfiedLinkError(
                "/x/libjnicublas.so: libcublasLt.so.13: cannot open shared object file: No such file or directory"));
        assertTrue(reason.startsWith("libcublasLt.so.13 not found (the CUDA 13 runtime libraries are not on the library path)"),
                reason);
        assertTrue(NativeProbe.explain(new UnsatisfiedLinkError("/x/libjninccl.so: libnccl.so.2: cannot open shared object file"))
                .startsWith("libnccl.so.2 not found (NCCL 2 is not on the library path)"));
    }

    @Test
    void oldGlibcAndMissingSymbolsAreRecognised() {
        assertTrue(NativeProbe.recognise("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found")
                .startsWith("the C library is too old: GLIBC_2.34"));
        assertTrue(NativeProbe.recognise("/x/libjnicudart.so: undefined symbol: cudaGraphConditionalHandleCreate_v2")
                .startsWith("symbol cudaGraphConditionalHandleCreate_v2 is missing"));
        assertNull(NativeProbe.recognise("something else"));
    }

    @Test
    void aClassBrokenByAnEarlierAttemptIsSaidSo() {
        String reason = NativeProbe.explain(new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart"));
        assertTrue(reason.startsWith("the CUDA classes already failed to initialise in this class loader [java.lang.NoClassDefFoundError"),
                reason);
    }

    @Test
    void anUnrecognisedFailureShowsItsRootCause() {
        RuntimeException failure = new RuntimeException("wrapper", new IllegalStateException("line one\n  line two"));
        assertEquals("java.lang.IllegalStateException: line one line two", NativeProbe.explain(failure));
        assertEquals("java.lang.RuntimeException: ", NativeProbe.explain(new RuntimeException()));
    }

    @Test
    void longMessagesAreCutAndCyclesEnd() {
        RuntimeException a = new RuntimeException("x".repeat(1000));
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        String reason = NativeProbe.explain(b);
        assertTrue(reason.length() < 400, reason);
        assertTrue(reason.endsWith("..."), reason);
    }

    @Test
    void probeSafelyTurnsEveryLinkageOrRuntimeFailureIntoAStatus() {
        CudaStatus ule = NativeProbe.probeSafely(() -> {
            throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
        });
        assertFalse(ule.available());
        assertTrue(ule.reason().startsWith("libcuda.so.1 not found"));
        assertFalse(NativeProbe.probeSafely(() -> {
            throw new ExceptionInInitializerError(new IllegalStateException("boom"));
        }).available());
        assertFalse(NativeProbe.probeSafely(() -> {
            throw new IllegalStateException("boom");
        }).available());
        assertFalse(NativeProbe.probeSafely(() -> null).available());
        // A failure of the VM itself is not a CUDA finding.
        assertThrows(OutOfMemoryError.class, () -> NativeProbe.probeSafely(() -> {
            throw new OutOfMemoryError("test");
        }));
    }
}
