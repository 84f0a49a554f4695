package io.turboserve.gpu.cuda;

import io.turboserve.cuda.CudaStatus;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * Runs every test of {@link CudaExecutorGpuTest} in this JVM, which {@link CudaExecutorOnEmulatorTest}
 * starts with the emulated CUDA libraries on its library path. A test that would skip (no device)
 * counts as failed here: the point is that it runs. Exit status: the number of failures.
 */
public final class EmulatedGpuRun {
    private EmulatedGpuRun() {
    }

    public static void main(String[] args) throws Exception {
        CudaStatus status = CudaStatus.probe();
        System.out.println("probe: " + status.message());
        if (!status.available() || !status.devices().get(0).name().contains("emulation")) {
            System.out.println("FAIL the emulated device was not found: " + status.message());
            System.exit(100);
        }
        Method probe = CudaExecutorGpuTest.class.getDeclaredMethod("probe");
        probe.setAccessible(true);
        probe.invoke(null);
        var constructor = CudaExecutorGpuTest.class.getDeclaredConstructor();
        constructor.setAccessible(true);
        Object tests = constructor.newInstance();
        Method[] methods = CudaExecutorGpuTest.class.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        int failed = 0;
        for (Method m : methods) {
            if (!m.isAnnotationPresent(Test.class)) {
                continue;
            }
            m.setAccessible(true);
            long start = System.nanoTime();
            try {
                m.invoke(tests);
                System.out.printf("PASS %s (%.1f s)%n", m.getName(), (System.nanoTime() - start) / 1e9);
            } catch (InvocationTargetException e) {
                failed++;
                System.out.println("FAIL " + m.getName() + ": " + e.getCause());
                e.getCause().printStackTrace(System.out);
            }
        }
        System.exit(failed);
    }
}
