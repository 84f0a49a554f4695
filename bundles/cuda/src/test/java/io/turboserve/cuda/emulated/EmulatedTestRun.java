package io.turboserve.cuda.emulated;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Runs the {@code @Test} methods of one class (with its {@code @BeforeAll}, {@code @BeforeEach} and
 * {@code @AfterEach}), in name order, in the child JVM that {@link EmulatedCuda#runTests} starts with
 * the emulated libraries on its library path, and prints {@code PASS name (s)}, {@code SKIP name:
 * why} or {@code FAIL name: error}. Exit status: the number of failures.
 */
public final class EmulatedTestRun {
    private EmulatedTestRun() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> c = Class.forName(args[0]);
        Method[] methods = c.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        List<Method> before = new ArrayList<>();
        List<Method> after = new ArrayList<>();
        List<Method> tests = new ArrayList<>();
        for (Method m : methods) {
            m.setAccessible(true);
            if (m.isAnnotationPresent(BeforeAll.class) && Modifier.isStatic(m.getModifiers())) {
                m.invoke(null);
            } else if (m.isAnnotationPresent(BeforeEach.class)) {
                before.add(m);
            } else if (m.isAnnotationPresent(AfterEach.class)) {
                after.add(m);
            } else if (m.isAnnotationPresent(Test.class)) {
                tests.add(m);
            }
        }
        var constructor = c.getDeclaredConstructor();
        constructor.setAccessible(true);
        int failed = 0;
        for (Method test : tests) {
            Object instance = constructor.newInstance();
            long start = System.nanoTime();
            try {
                for (Method m : before) {
                    m.invoke(instance);
                }
                try {
                    test.invoke(instance);
                } finally {
                    for (Method m : after) {
                        m.invoke(instance);
                    }
                }
                System.out.printf("PASS %s (%.1f s)%n", test.getName(), (System.nanoTime() - start) / 1e9);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof TestAbortedException skipped) {
                    System.out.println("SKIP " + test.getName() + ": " + skipped.getMessage());
                } else {
                    failed++;
                    System.out.println("FAIL " + test.getName() + ": " + e.getCause());
                    e.getCause().printStackTrace(System.out);
                }
            }
        }
        System.exit(failed);
    }
}
