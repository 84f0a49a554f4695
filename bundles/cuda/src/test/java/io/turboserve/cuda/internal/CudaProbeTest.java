package io.turboserve.cuda.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaRuntime;
import io.turboserve.cuda.CudaStatus;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The component's decisions, with a fake prober and a fake bundle context: no native code. */
class CudaProbeTest {

    private static final CudaDevice H200 = new CudaDevice(0, "NVIDIA H200", 150_013_362_176L, 9, 0, 132);

    private String savedCacheDir;
    private final FakeContext context = new FakeContext();

    @BeforeEach
    void keepCacheDir() {
        savedCacheDir = System.getProperty(CudaProbe.CACHE_DIR_PROPERTY);
    }

    @AfterEach
    void restoreCacheDir() {
        if (savedCacheDir == null) {
            System.clearProperty(CudaProbe.CACHE_DIR_PROPERTY);
        } else {
            System.setProperty(CudaProbe.CACHE_DIR_PROPERTY, savedCacheDir);
        }
    }

    @Test
    void withoutAUsableDeviceOnlyTheStatusIsRegistered() {
        CudaProbe probe = new CudaProbe(() -> CudaStatus.unavailable("libcuda.so.1 not found (no NVIDIA driver)"));
        probe.activate(context.proxy(), config(true, "felix-cache/javacpp"));

        assertFalse(probe.status().available());
        assertEquals(List.of(CudaStatus.class.getName()), context.registeredNames());
        assertEquals(Boolean.FALSE, context.live.get(0).properties.get(CudaProbe.AVAILABLE_PROPERTY));
        assertEquals(probe.status(), context.live.get(0).service);

        probe.deactivate();
        assertTrue(context.live.isEmpty());
    }

    @Test
    void withAUsableDeviceTheRuntimeIsRegisteredWithItsProperties() {
        CudaProbe probe = new CudaProbe(() -> CudaStatus.available(13000, 13000, List.of(H200), ""));
        probe.activate(context.proxy(), config(true, "felix-cache/javacpp"));

        assertEquals(List.of(CudaStatus.class.getName(), CudaRuntime.class.getName()), context.registeredNames());
        Registered runtime = context.live.get(1);
        CudaRuntime service = assertInstanceOf(CudaRuntime.class, runtime.service);
        assertEquals(1, service.deviceCount());
        assertEquals(H200, service.device(0));
        assertThrows(IllegalArgumentException.class, () -> service.device(1));
        assertEquals(13000, service.driverVersion());
        assertEquals(1, runtime.properties.get(CudaRuntime.DEVICE_COUNT));
        assertEquals("13.0", runtime.properties.get(CudaRuntime.DRIVER_VERSION));
        assertEquals("13.0", runtime.properties.get(CudaRuntime.RUNTIME_VERSION));
        assertEquals(Boolean.TRUE, context.live.get(0).properties.get(CudaProbe.AVAILABLE_PROPERTY));

        probe.deactivate();
        assertTrue(context.live.isEmpty());
        probe.deactivate(); // a second deactivation finds nothing to do
    }

    @Test
    void aThrowingProberBecomesAReasonNotAnException() {
        CudaProbe probe = new CudaProbe(() -> {
            throw new UnsatisfiedLinkError("x/libjnicudart.so: libcudart.so.13: cannot open shared object file");
        });
        probe.activate(context.proxy(), config(true, "felix-cache/javacpp"));
        assertTrue(probe.status().reason().startsWith("libcudart.so.13 not found"), probe.status().reason());
        assertEquals(List.of(CudaStatus.class.getName()), context.registeredNames());
    }

    @Test
    void disabledMeansNoProbeAtAll() {
        AtomicInteger calls = new AtomicInteger();
        Supplier<CudaStatus> prober = () -> {
            calls.incrementAndGet();
            return CudaStatus.available(13000, 13000, List.of(H200), "");
        };
        CudaProbe probe = new CudaProbe(prober);
        probe.activate(context.proxy(), config(false, "felix-cache/javacpp"));
        assertEquals(0, calls.get());
        assertEquals("CUDA not available: disabled by configuration (io.turboserve.cuda.probe enabled=false);"
                + " the CPU executor serves", probe.status().message());
        assertEquals(List.of(CudaStatus.class.getName()), context.registeredNames());
    }

    @Test
    void beforeActivationTheStatusSaysNotProbed() {
        assertEquals("not probed yet", new CudaProbe(() -> null).status().reason());
    }

    @Test
    void defaultsAreEnabledAndFelixCache() throws Exception {
        assertEquals(Boolean.TRUE, CudaProbe.Config.class.getMethod("enabled").getDefaultValue());
        assertEquals("felix-cache/javacpp", CudaProbe.Config.class.getMethod("cacheDir").getDefaultValue());
    }

    @Test
    void configurationIsValidated() {
        assertEquals(new CudaProbe.Settings(true, "a/b"), CudaProbe.configure(config(true, "  a/b ")));
        IllegalArgumentException blank =
                assertThrows(IllegalArgumentException.class, () -> CudaProbe.configure(config(true, " ")));
        assertEquals("io.turboserve.cuda.probe: cacheDir must not be blank", blank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaProbe.configure(config(true, null)));
        IllegalArgumentException nul =
                assertThrows(IllegalArgumentException.class, () -> CudaProbe.configure(config(true, "a\0b")));
        assertTrue(nul.getMessage().startsWith("io.turboserve.cuda.probe: cacheDir is not a valid path"), nul.getMessage());
    }

    @Test
    void anExplicitSystemPropertyWins() {
        System.setProperty(CudaProbe.CACHE_DIR_PROPERTY, "/opt/javacpp");
        assertEquals("/opt/javacpp", CudaProbe.applyCacheDir("felix-cache/javacpp", key -> "/framework"));
        assertEquals("/opt/javacpp", System.getProperty(CudaProbe.CACHE_DIR_PROPERTY));
    }

    @Test
    void aFrameworkPropertyIsCopiedToTheSystemProperty() {
        System.clearProperty(CudaProbe.CACHE_DIR_PROPERTY);
        assertEquals("/framework/javacpp", CudaProbe.applyCacheDir("felix-cache/javacpp",
                key -> CudaProbe.CACHE_DIR_PROPERTY.equals(key) ? "/framework/javacpp" : null));
        assertEquals("/framework/javacpp", System.getProperty(CudaProbe.CACHE_DIR_PROPERTY));
    }

    @Test
    void otherwiseTheConfiguredFolderIsMadeAbsolute() {
        System.clearProperty(CudaProbe.CACHE_DIR_PROPERTY);
        String expected = Path.of("felix-cache/javacpp").toAbsolutePath().normalize().toString();
        assertEquals(expected, CudaProbe.applyCacheDir("felix-cache/javacpp", key -> null));
        assertEquals(expected, System.getProperty(CudaProbe.CACHE_DIR_PROPERTY));
    }

    private static CudaProbe.Config config(boolean enabled, String cacheDir) {
        return new CudaProbe.Config() {
            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public String cacheDir() {
                return cacheDir;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return CudaProbe.Config.class;
            }
        };
    }

    /** One service registration as the fake framework saw it. */
    private record Registered(String name, Object service, Map<String, Object> properties) {
    }

    /** Just enough of a BundleContext: records registrations and unregistrations. */
    private static final class FakeContext {
        final List<Registered> live = new ArrayList<>();

        List<String> registeredNames() {
            return live.stream().map(Registered::name).toList();
        }

        BundleContext proxy() {
            return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {BundleContext.class}, (self, method, args) -> {
                        switch (method.getName()) {
                            case "getProperty":
                                return null;
                            case "registerService":
                                return register(((Class<?>) args[0]).getName(), args[1], (Dictionary<?, ?>) args[2]);
                            default:
                                throw new UnsupportedOperationException(method.getName());
                        }
                    });
        }

        private ServiceRegistration<?> register(String name, Object service, Dictionary<?, ?> dictionary) {
            Map<String, Object> properties = new HashMap<>();
            for (Object key : Collections.list(dictionary.keys())) {
                properties.put((String) key, dictionary.get(key));
            }
            Registered registered = new Registered(name, service, properties);
            live.add(registered);
            return (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ServiceRegistration.class}, (self, method, args) -> {
                        if (method.getName().equals("unregister")) {
                            if (!live.remove(registered)) {
                                throw new IllegalStateException("already unregistered");
                            }
                            return null;
                        }
                        throw new UnsupportedOperationException(method.getName());
                    });
        }
    }
}
