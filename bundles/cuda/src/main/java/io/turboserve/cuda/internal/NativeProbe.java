package io.turboserve.cuda.internal;

import io.turboserve.cuda.CudaStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the driver query at most once per class loader and turns any failure into a reason.
 *
 * <p>Why once: when the JNI library fails to load, the class whose static initializer loads it
 * ({@code org.bytedeco.cuda.global.cudart}) is left erroneous in this class loader for good: a second
 * attempt can only produce {@code NoClassDefFoundError: Could not initialize class}, without the real
 * cause (measured; a unit test checks that even that attempt yields a status, not an exception).
 * So the first result, good or bad, is kept in a static field for the life of the class loader:
 * stopping and starting the bundle keeps the class loader and therefore the result; updating or
 * refreshing the bundle creates a new class loader and probes again.
 */
public final class NativeProbe {

    private static final int MAX_DETAIL = 300;

    /** {@code libcuda.so.1: cannot open shared object file}: the dynamic linker's wording for a missing library. */
    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("(lib[A-Za-z0-9_+.-]*?\\.so(?:\\.[0-9]+)*): cannot open shared object file");
    private static final Pattern MISSING_GLIBC = Pattern.compile("version `(GLIBC_[0-9.]+)' not found");
    private static final Pattern UNDEFINED_SYMBOL = Pattern.compile("undefined symbol: ([A-Za-z0-9_]+)");

    private static CudaStatus result; // guarded by NativeProbe.class

    private NativeProbe() {
    }

    /** The probe's result, probing on the first call only (see the class comment). */
    public static synchronized CudaStatus probeOnce() {
        if (result == null) {
            result = probeSafely(DriverQuery::query);
        }
        return result;
    }

    /**
     * Runs a query and never lets a failure out: a missing native library, a class that cannot be
     * initialised or a runtime exception from JavaCPP all become an unavailable status with a reason.
     * Errors of the virtual machine itself (out of memory, stack overflow) are not about CUDA and
     * propagate.
     */
    static CudaStatus probeSafely(Supplier<CudaStatus> query) {
        try {
            CudaStatus status = query.get();
            return status != null ? status : CudaStatus.unavailable("the CUDA probe returned nothing");
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // LinkageError (UnsatisfiedLinkError, NoClassDefFoundError, ...) or RuntimeException
            return CudaStatus.unavailable(explain(e));
        }
    }

    /**
     * Says why loading CUDA failed, in one line. JavaCPP reports a failed load as
     * {@code no jnicudart in java.library.path} and keeps the dynamic linker's message (which names
     * the library that is really missing) in the cause chain, so the whole chain is searched: a
     * recognised cause comes first, in words, then the deepest message as evidence.
     */
    static String explain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
            for (Throwable s : t.getSuppressed()) {
                if (!chain.contains(s)) {
                    chain.add(s);
                }
            }
        }
        String summary = null;
        // The deepest matching message is the most specific one: search from the root outwards.
        for (int i = chain.size() - 1; i >= 0 && summary == null; i--) {
            summary = recognise(String.valueOf(chain.get(i).getMessage()));
        }
        if (summary == null && failure instanceof NoClassDefFoundError
                && String.valueOf(failure.getMessage()).startsWith("Could not initialize class")) {
            summary = "the CUDA classes already failed to initialise in this class loader";
        }
        Throwable root = failure;
        for (Throwable t : chain) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                root = t; // the last one with a message, following causes
            }
        }
        String detail = root.getClass().getName() + ": " + oneLine(root.getMessage());
        return summary == null ? detail : summary + " [" + detail + "]";
    }

    /** Names a known cause in an operator's words, or returns null. */
    static String recognise(String message) {
        Matcher lib = MISSING_LIBRARY.matcher(message);
        String library = null;
        while (lib.find()) {
            library = lib.group(1); // the last library named is the one the linker could not find
        }
        if (library != null) {
            return library + " not found" + hint(library);
        }
        Matcher glibc = MISSING_GLIBC.matcher(message);
        if (glibc.find()) {
            return "the C library is too old: " + glibc.group(1) + " is required (glibc >= 2.34)";
        }
        Matcher symbol = UNDEFINED_SYMBOL.matcher(message);
        if (symbol.find()) {
            return "symbol " + symbol.group(1) + " is missing from the installed CUDA libraries"
                    + " (older than the presets expect; run with LD_BIND_NOW unset)";
        }
        return null;
    }

    private static String hint(String library) {
        if (library.startsWith("libcuda.so")) {
            return " (no NVIDIA driver)";
        }
        if (library.startsWith("libcudart") || library.startsWith("libcublas") || library.startsWith("libnvrtc")) {
            return " (the CUDA 13 runtime libraries are not on the library path)";
        }
        if (library.startsWith("libnccl")) {
            return " (NCCL 2 is not on the library path)";
        }
        if (library.startsWith("libcudnn")) {
            return " (cuDNN 9 is not on the library path)";
        }
        return "";
    }

    private static String oneLine(String message) {
        String s = message == null ? "" : message.replaceAll("\\s+", " ").trim();
        return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "...";
    }
}
