package io.turboserve.executor.cpu;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.config.LastStarted;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ChunkOutput;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.ExecutorException.Kind;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.executor.cpu.model.CounterRng;
import io.turboserve.executor.cpu.model.ModelShape;
import io.turboserve.executor.cpu.model.StateHeader;
import io.turboserve.executor.cpu.model.TinyVideoDit;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The reference executor: the tiny causal video DiT of DESIGN.md section 6 computed on the CPU, with
 * {@code devices} workers standing in for GPUs. Each session's state is one packed byte array (the
 * worker's "device memory"), so offload, restore and migration are single copies, and a session's
 * chunks are bit-identical whatever it is batched with and wherever its state has been.
 *
 * <p>Runs with its defaults unless configured (PID {@value #PID}); a configuration change restarts
 * the component, which drops the states it held, as a GPU reset would.
 */
@Component(name = CpuChunkExecutor.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = ChunkExecutor.EXECUTOR_NAME + "=" + CpuChunkExecutor.NAME)
@Designate(ocd = CpuChunkExecutor.Config.class)
public final class CpuChunkExecutor implements ChunkExecutor {
    public static final String PID = "io.turboserve.executor.cpu.cpu";
    public static final String NAME = "cpu";

    @ObjectClassDefinition(name = "TurboServe CPU chunk executor",
            description = "Runs the tiny video model on the CPU; each device stands in for one GPU worker.")
    public @interface Config {
        @AttributeDefinition(name = "Devices",
                description = "GPU workers this executor stands in for, ids 0..devices-1. Default 4, the embedded default.")
        int devices() default 4;

        @AttributeDefinition(name = "Sessions per device",
                description = "K: session states one device holds at most. Default 4.")
        int sessionsPerDevice() default 4;

        @AttributeDefinition(name = "Max batch", description = "Most sessions one coalesced step serves. Default 4.")
        int maxBatch() default 4;

        @AttributeDefinition(name = "Device memory bytes",
                description = "State memory per device; 0 (the default) means exactly sessionsPerDevice states of the configured shape.")
        long deviceMemoryBytes() default 0;

        @AttributeDefinition(name = "Layers", description = "Transformer blocks. Default 2.")
        int layers() default 2;

        @AttributeDefinition(name = "Hidden", description = "Model width, a multiple of heads. Default 32.")
        int hidden() default 32;

        @AttributeDefinition(name = "Heads", description = "Attention heads. Default 2.")
        int heads() default 2;

        @AttributeDefinition(name = "FFN", description = "MLP inner width. Default 64.")
        int ffn() default 64;

        @AttributeDefinition(name = "Tokens per frame", description = "Latent tokens per frame. Default 8.")
        int tokensPerFrame() default 8;

        @AttributeDefinition(name = "Frames per chunk", description = "Latent frames per chunk. Default 3, as Wan presets.")
        int framesPerChunk() default 3;

        @AttributeDefinition(name = "Sink frames",
                description = "First frames kept in the KV window for good. Default 3, as Wan presets.")
        int sinkFrames() default 3;

        @AttributeDefinition(name = "Window frames",
                description = "KV window in frames, sink included (the rest roll). Default 18: 3 sink + 15 rolling, as Wan presets.")
        int windowFrames() default 18;

        @AttributeDefinition(name = "Text tokens",
                description = "Text tokens of the cross-attention, generated from a hash of the prompt. Default 512, as DESIGN.md section 6.")
        int textTokens() default 512;

        @AttributeDefinition(name = "Model seed",
                description = "Seed of every weight; another executor (CUDA) must use the same to match. Default 1234.")
        long modelSeed() default 1234;
    }

    /** The configuration after validation. */
    record Settings(int devices, int sessionsPerDevice, int maxBatch, long deviceMemoryBytes, ModelShape shape) {
    }

    private final Settings settings;
    private final TinyVideoDit model;
    private final DevicePool pool;

    /** The settings the last instance started with: an invalid edit restarts with them. */
    private static final LastStarted<Settings> LAST_STARTED = new LastStarted<>("the executor");

    @Activate
    public CpuChunkExecutor(Config config) {
        this.settings = configureOrKeep(config);
        this.model = new TinyVideoDit(settings.shape());
        this.pool = new DevicePool("cpu executor", settings.devices(), settings.sessionsPerDevice(),
                settings.deviceMemoryBytes(), bytes -> new byte[(int) bytes]);
    }

    /**
     * @return the settings of {@code config}; when it is invalid, those the executor last started
     *         with (or the defaults at first start), saying so
     */
    static Settings configureOrKeep(Config config) {
        return LAST_STARTED.settle(() -> configure(config), () -> configure(defaults()));
    }

    /** @return the configuration with every value at its default. */
    static Config defaults() {
        return ConfigValues.defaults(Config.class);
    }

    /**
     * Validates every value of a configuration in one place.
     *
     * @throws IllegalArgumentException naming the PID, the property and the value it rejected
     */
    static Settings configure(Config config) {
        ConfigValues.readable(PID, Config.class, config);
        try {
            Limits.range("devices", config.devices(), 1, Limits.MAX_DEVICES);
            Limits.range("sessionsPerDevice", config.sessionsPerDevice(), 1, Limits.MAX_SESSIONS);
            Limits.range("maxBatch", config.maxBatch(), 1, Limits.MAX_SESSIONS);
            ModelShape shape = new ModelShape(config.layers(), config.hidden(), config.heads(), config.ffn(),
                    config.tokensPerFrame(), config.framesPerChunk(), config.sinkFrames(), config.windowFrames(),
                    config.textTokens(), config.modelSeed());
            long memory = Limits.deviceMemory(config.deviceMemoryBytes(), config.sessionsPerDevice(),
                    shape.stateBytes());
            return new Settings(config.devices(), config.sessionsPerDevice(), config.maxBatch(), memory, shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() {
        pool.close();
    }

    @Override
    public ExecutorInfo info() {
        return new ExecutorInfo(NAME, TinyVideoDit.MODEL, settings.devices(), settings.deviceMemoryBytes(),
                settings.sessionsPerDevice(), settings.maxBatch());
    }

    @Override
    public long stateBytes(SessionSpec spec) throws ExecutorException {
        checkModel(spec);
        return settings.shape().stateBytes();
    }

    @Override
    public StateHandle create(int gpu, String sessionId, SessionSpec spec) throws ExecutorException {
        checkModel(spec);
        DevicePool.Allocation allocation = pool.allocate(gpu, sessionId, settings.shape().stateBytes());
        StateHeader.initialise(allocation.memory, spec.seed(), CounterRng.promptSeed(spec.prompt()),
                settings.shape().fingerprint());
        return DevicePool.handle(gpu, allocation);
    }

    @Override
    public StateHandle allocate(int gpu, String sessionId, long bytes) throws ExecutorException {
        if (bytes != settings.shape().stateBytes()) {
            throw new ExecutorException(Kind.INVALID, "cpu executor: a state of this model has "
                    + settings.shape().stateBytes() + " bytes, asked to allocate " + bytes);
        }
        return DevicePool.handle(gpu, pool.allocate(gpu, sessionId, bytes));
    }

    @Override
    public void free(StateHandle state) {
        pool.free(state);
    }

    /**
     * Checks every item (model, residency on {@code gpu}, size, header: same model, same session,
     * chunk index = the state's next chunk), then computes all chunks in one model call and advances
     * each state. A refused step changes nothing.
     */
    @Override
    public StepResult step(int gpu, List<StepItem> batch) throws ExecutorException {
        for (StepItem item : batch) {
            checkModel(item.spec());
        }
        return pool.onBatch(gpu, batch, settings.maxBatch(), states -> {
            List<TinyVideoDit.Item> items = new ArrayList<>(batch.size());
            long fingerprint = settings.shape().fingerprint();
            for (int i = 0; i < batch.size(); i++) {
                StepItem item = batch.get(i);
                long promptSeed = CounterRng.promptSeed(item.spec().prompt());
                byte[] state = states.get(i).memory;
                String refusal = StateHeader.refusal(state, fingerprint, item.spec().seed(), promptSeed,
                        item.chunkIndex());
                if (refusal != null) {
                    throw new ExecutorException(Kind.INVALID,
                            "cpu executor: session " + item.state().sessionId() + ": " + refusal);
                }
                items.add(new TinyVideoDit.Item(state, item.spec().seed(), promptSeed, item.chunkIndex()));
            }
            long started = System.nanoTime();
            List<byte[]> payloads = model.step(items);
            long computeNanos = System.nanoTime() - started;
            List<ChunkOutput> outputs = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                StepItem item = batch.get(i);
                outputs.add(new ChunkOutput(item.state().sessionId(), item.chunkIndex(), payloads.get(i)));
            }
            return new StepResult(outputs, computeNanos);
        });
    }

    @Override
    public void copyToHost(StateHandle state, HostSlot slot) throws ExecutorException {
        pool.copyToHost(state, slot);
    }

    @Override
    public void copyFromHost(HostSlot slot, StateHandle state) throws ExecutorException {
        long fingerprint = settings.shape().fingerprint();
        pool.copyFromHost(slot, state, incoming -> {
            if (!StateHeader.isInitialised(incoming)) {
                return "no state header (magic " + Integer.toHexString(StateHeader.MAGIC) + ", layout version "
                        + StateHeader.VERSION + ")";
            }
            return StateHeader.fingerprint(incoming) == fingerprint ? null
                    : "it was written by another model shape or weight seed";
        });
    }

    @Override
    public void copyDevice(StateHandle from, StateHandle to) throws ExecutorException {
        pool.copyDevice(from, to);
    }

    private static void checkModel(SessionSpec spec) throws ExecutorException {
        if (!TinyVideoDit.MODEL.equals(spec.model())) {
            throw new ExecutorException(Kind.INVALID, "cpu executor: model '" + spec.model()
                    + "' is not served here; this executor runs '" + TinyVideoDit.MODEL + "'");
        }
    }
}
