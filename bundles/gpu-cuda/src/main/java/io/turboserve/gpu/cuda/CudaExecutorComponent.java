package io.turboserve.gpu.cuda;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.config.LastStarted;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaMemoryOwner;
import io.turboserve.cuda.CudaRuntime;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The CUDA executor as a service. It exists only when both hold: the CUDA library bundle found a
 * usable device (a {@link CudaRuntime} service), and an operator configured it (PID {@value #PID},
 * e.g. {@code etc/io.turboserve.gpu.cuda.executor.cfg}): a GPU executor takes gigabytes of device
 * memory for weights and workspace, so it never starts by surprise. Select it for the runtime with
 * {@code Executor.target=(executor.name=cuda)} in {@code io.turboserve.core.runtime.cfg}.
 */
@Component(name = CudaExecutorComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {ChunkExecutor.class, CudaMemoryOwner.class},
        property = {ChunkExecutor.EXECUTOR_NAME + "=" + CudaChunkExecutor.NAME,
            ChunkExecutor.CONCURRENT_COPIES + ":Boolean=true"})
@Designate(ocd = CudaExecutorComponent.Config.class)
public final class CudaExecutorComponent implements ChunkExecutor, CudaMemoryOwner {
    public static final String PID = "io.turboserve.gpu.cuda.executor";
    private static final Logger LOG = System.getLogger(CudaExecutorComponent.class.getName());

    @ObjectClassDefinition(name = "TurboServe CUDA chunk executor",
            description = "Runs the causal video DiT on CUDA devices (cuBLAS, NVRTC kernels).")
    public @interface Config {
        @AttributeDefinition(name = "Model", description = "Preset: tiny, wan-1.3b or wan-14b. Default wan-1.3b.")
        String model() default "wan-1.3b";

        @AttributeDefinition(name = "Window frames",
                description = "KV window in latent frames, the 3 sink frames included. Default 18 (3 sink + 15 rolling).")
        int windowFrames() default 18;

        @AttributeDefinition(name = "Model seed",
                description = "Seed of every weight; the CPU executor's default is 1234, so tiny chunks match it. Default 1234.")
        long modelSeed() default 1234;

        @AttributeDefinition(name = "Devices",
                description = "CUDA ordinals to use, comma-separated; empty (the default) means every usable device.")
        String devices() default "";

        @AttributeDefinition(name = "Workers per device",
                description = "Logical GPU workers per device (a memory split). Default 1; 2 runs migration on one GPU.")
        int workersPerDevice() default 1;

        @AttributeDefinition(name = "Sessions per worker",
                description = "K: the most states one worker holds; fewer when device memory says so. Default 4.")
        int sessionsPerWorker() default 4;

        @AttributeDefinition(name = "Max batch", description = "Most sessions one coalesced step serves. Default 4.")
        int maxBatch() default 4;

        @AttributeDefinition(name = "Reserve bytes",
                description = "Device memory left free per device for the context, cuBLAS and fragmentation. Default 2 GiB.")
        long reserveBytes() default 2L << 30;

        @AttributeDefinition(name = "Attention",
                description = "auto (the double-buffered tensor-core kernel where the head dim and device allow), flash2, "
                        + "flash, or reference. Default auto.")
        String attention() default "auto";
    }

    private final CudaChunkExecutor engine;
    private volatile AutoCloseable slabListener;

    /**
     * The settings the last instance started with: an invalid edit restarts with them (the same
     * model and state shape, so the states offloaded from the previous instance restore). The
     * executor needs a configuration, so an invalid first one is refused.
     */
    private static final LastStarted<CudaChunkExecutor.Settings> LAST_STARTED = new LastStarted<>("the CUDA executor");

    @Activate
    public CudaExecutorComponent(@Reference CudaRuntime cuda, Config config) {
        CudaChunkExecutor.Settings settings = LAST_STARTED.settle(() -> settings(config, cuda.devices()), null);
        this.engine = new CudaChunkExecutor(settings, cuda.devices());
        LOG.log(Level.INFO, () -> "CUDA executor ready: " + engine.info() + ", attention "
                + engine.attentionKernel() + ", kernels compiled in "
                + engine.kernelCompileNanos() / 1_000_000 + " ms");
    }

    /**
     * Validates a configuration.
     *
     * @throws IllegalArgumentException naming the PID, the property and the value
     */
    static CudaChunkExecutor.Settings settings(Config config, List<CudaDevice> usable) {
        ConfigValues.readable(PID, Config.class, config);
        try {
            ModelPreset preset = ModelPreset.of(config.model(), config.windowFrames());
            return new CudaChunkExecutor.Settings(preset, config.modelSeed(), devices(config.devices(), usable),
                    config.workersPerDevice(), config.sessionsPerWorker(), config.maxBatch(), config.reserveBytes(),
                    config.attention());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
        }
    }

    static List<Integer> devices(String spec, List<CudaDevice> usable) {
        List<Integer> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            usable.forEach(d -> out.add(d.ordinal()));
            return out;
        }
        for (String part : spec.split(",")) {
            String s = part.strip();
            try {
                out.add(Integer.parseInt(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("devices must be comma-separated CUDA ordinals, got '" + spec + "'");
            }
        }
        return out;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(OffloadStore store) {
        closeListener();
        slabListener = store.onSlab(slab -> {
            try {
                engine.registerHost(slab);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not register an offload slab of " + slab.bytes()
                        + " bytes page-locked; copies through it run at pageable speed: " + e.getMessage());
            }
        });
    }

    void unbindStore(OffloadStore store) {
        closeListener();
        engine.unregisterHost();
    }

    private void closeListener() {
        AutoCloseable l = slabListener;
        slabListener = null;
        if (l != null) {
            try {
                l.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "closing the slab listener: " + e.getMessage());
            }
        }
    }

    @Deactivate
    void deactivate() {
        closeListener();
        engine.close();
    }

    @Override
    public ExecutorInfo info() {
        return engine.info();
    }

    @Override
    public int cudaDevice(int gpu) {
        return engine.cudaDevice(gpu);
    }

    @Override
    public long stateBytes(SessionSpec spec) throws ExecutorException {
        return engine.stateBytes(spec);
    }

    @Override
    public StateHandle create(int gpu, String sessionId, SessionSpec spec) throws ExecutorException {
        return engine.create(gpu, sessionId, spec);
    }

    @Override
    public StateHandle allocate(int gpu, String sessionId, long bytes) throws ExecutorException {
        return engine.allocate(gpu, sessionId, bytes);
    }

    @Override
    public void free(StateHandle state) {
        engine.free(state);
    }

    @Override
    public StepResult step(int gpu, List<StepItem> batch) throws ExecutorException {
        return engine.step(gpu, batch);
    }

    @Override
    public void copyToHost(StateHandle state, HostSlot slot) throws ExecutorException {
        engine.copyToHost(state, slot);
    }

    @Override
    public void copyFromHost(HostSlot slot, StateHandle state) throws ExecutorException {
        engine.copyFromHost(slot, state);
    }

    @Override
    public void copyDevice(StateHandle from, StateHandle to) throws ExecutorException {
        engine.copyDevice(from, to);
    }
}
