package io.turboserve.cuda.internal;

import io.turboserve.cuda.CudaRuntime;
import io.turboserve.cuda.CudaStatus;
import java.lang.System.Logger.Level;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Probes the CUDA driver once and publishes what it found.
 *
 * <p>On activation: points JavaCPP's extraction cache at {@code cacheDir} (unless the launcher
 * already set {@value #CACHE_DIR_PROPERTY}), loads the CUDA runtime's JNI library, and asks the driver
 * for its version and devices. A {@link CudaStatus} service is always registered; a
 * {@link CudaRuntime} service only when at least one device is usable. When none is, one INFO line
 * says why and nothing else happens: the GPU bundles, which reference {@link CudaRuntime}, stay
 * inactive and the CPU executor serves.
 *
 * <p>The services are registered through the bundle context rather than declared on the component,
 * because whether {@link CudaRuntime} exists is only known after probing. The component is immediate
 * so it probes when the bundle starts, not when some consumer first asks.
 *
 * <p>The probe runs once per class loader ({@link NativeProbe}): a reconfiguration or a bundle
 * stop/start reuses the first result; an update or refresh of the bundle probes again.
 */
@Component(service = {}, configurationPid = CudaProbe.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true)
@Designate(ocd = CudaProbe.Config.class)
public final class CudaProbe {
    /** The ConfigAdmin PID. */
    public static final String PID = "io.turboserve.cuda.probe";

    /** JavaCPP's extraction folder for its native libraries; read once, on JavaCPP's first use. */
    static final String CACHE_DIR_PROPERTY = "org.bytedeco.javacpp.cachedir";
    /** JavaCPP also accepts this spelling. */
    static final String CACHE_DIR_PROPERTY_ALT = "org.bytedeco.javacpp.cacheDir";

    /** Service property on the {@link CudaStatus} service: whether CUDA is available ({@link Boolean}). */
    public static final String AVAILABLE_PROPERTY = "cuda.available";

    private static final System.Logger LOG = System.getLogger(CudaProbe.class.getName());

    @ObjectClassDefinition(name = "TurboServe CUDA probe",
            description = "Whether and where the CUDA library bundle looks for a usable GPU.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled",
                description = "Probe the CUDA driver. Default true. When false nothing native is loaded and no"
                        + " CUDA runtime service is registered: the server runs on the CPU executor even on a"
                        + " GPU host.")
        boolean enabled() default true;

        @AttributeDefinition(name = "JavaCPP cache folder",
                description = "Where JavaCPP extracts the JNI libraries it loads, relative to the working"
                        + " directory unless absolute. Default felix-cache/javacpp, next to the framework's"
                        + " storage. Used only when the system property org.bytedeco.javacpp.cachedir is not"
                        + " set; JavaCPP reads it once, so a change applies after the bundle is refreshed.")
        String cacheDir() default "felix-cache/javacpp";
    }

    /** Validated configuration. */
    record Settings(boolean enabled, String cacheDir) {
    }

    private final Supplier<CudaStatus> prober;
    private volatile CudaStatus status = CudaStatus.unavailable("not probed yet");
    // Guarded by this.
    private ServiceRegistration<CudaStatus> statusRegistration;
    private ServiceRegistration<CudaRuntime> runtimeRegistration;

    public CudaProbe() {
        this(NativeProbe::probeOnce);
    }

    /** For tests: a probe that answers without native code. */
    CudaProbe(Supplier<CudaStatus> prober) {
        this.prober = prober;
    }

    @Activate
    void activate(BundleContext context, Config config) {
        Settings settings = configure(config);
        CudaStatus found = probe(settings, context::getProperty);
        status = found;
        LOG.log(Level.INFO, found.message());
        register(context, found);
    }

    @Deactivate
    synchronized void deactivate() {
        unregister(runtimeRegistration);
        unregister(statusRegistration);
        runtimeRegistration = null;
        statusRegistration = null;
    }

    /** What the probe found; "not probed yet" before activation. */
    public CudaStatus status() {
        return status;
    }

    /** Validates a configuration; the exception names every value it rejects. */
    static Settings configure(Config config) {
        String dir = config.cacheDir();
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException(PID + ": cacheDir must not be blank");
        }
        try {
            Path.of(dir.trim());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(PID + ": cacheDir is not a valid path: " + e.getMessage(), e);
        }
        return new Settings(config.enabled(), dir.trim());
    }

    /** Probes (once per class loader) unless disabled; never throws for a missing GPU. */
    CudaStatus probe(Settings settings, Function<String, String> frameworkProperty) {
        if (!settings.enabled()) {
            return CudaStatus.unavailable("disabled by configuration (" + PID + " enabled=false)");
        }
        applyCacheDir(settings.cacheDir(), frameworkProperty);
        // probeOnce already turns failures into a status; the guard here covers a test prober too.
        return NativeProbe.probeSafely(prober);
    }

    /**
     * Makes sure JavaCPP extracts into a known folder: an explicit system or framework property wins
     * (the launcher's choice); otherwise the configured folder, made absolute so a later change of
     * working directory cannot move it. JavaCPP reads only system properties, so a framework property
     * is copied there.
     *
     * @return the folder JavaCPP will use
     */
    static String applyCacheDir(String configured, Function<String, String> frameworkProperty) {
        for (String key : new String[] {CACHE_DIR_PROPERTY, CACHE_DIR_PROPERTY_ALT}) {
            String system = System.getProperty(key);
            if (system != null && !system.isBlank()) {
                return system;
            }
        }
        String framework = frameworkProperty.apply(CACHE_DIR_PROPERTY);
        String dir = framework != null && !framework.isBlank()
                ? framework
                : Path.of(configured).toAbsolutePath().normalize().toString();
        System.setProperty(CACHE_DIR_PROPERTY, dir);
        return dir;
    }

    private synchronized void register(BundleContext context, CudaStatus found) {
        Dictionary<String, Object> statusProps = new Hashtable<>();
        statusProps.put(AVAILABLE_PROPERTY, found.available());
        statusRegistration = context.registerService(CudaStatus.class, found, statusProps);
        if (found.available()) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(CudaRuntime.DEVICE_COUNT, found.devices().size());
            props.put(CudaRuntime.DRIVER_VERSION, CudaStatus.formatVersion(found.driverVersion()));
            props.put(CudaRuntime.RUNTIME_VERSION, CudaStatus.formatVersion(found.runtimeVersion()));
            runtimeRegistration = context.registerService(CudaRuntime.class, ProbedRuntime.of(found), props);
        }
    }

    private static void unregister(ServiceRegistration<?> registration) {
        if (registration == null) {
            return;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // The framework unregisters a stopping bundle's services itself; nothing left to do.
        }
    }
}
