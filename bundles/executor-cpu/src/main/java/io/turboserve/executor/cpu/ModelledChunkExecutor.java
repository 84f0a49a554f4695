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
import io.turboserve.executor.cpu.model.StateHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * An executor that computes nothing: a step takes the time of {@link ModelledLatency} and returns a
 * small deterministic payload, so the real server runs, say, 64 virtual GPUs on one CPU machine for
 * load tests.
 *
 * <p>A state reports {@code stateBytes} (what the modelled GPU would hold, counted by the device
 * budget and the offload store) but keeps only its 64-byte {@link StateHeader} for real: offload,
 * restore and migration copy that header, so chunk indices and session identity still survive every
 * move and are still checked, and a 256 MiB slot receives 64 bytes.
 *
 * <p>Runs only when configured (PID {@value #PID}), so it never competes with the CPU executor by
 * default.
 */
@Component(name = ModelledChunkExecutor.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = ChunkExecutor.EXECUTOR_NAME + "=" + ModelledChunkExecutor.NAME)
@Designate(ocd = ModelledChunkExecutor.Config.class)
public final class ModelledChunkExecutor implements ChunkExecutor {
    public static final String PID = "io.turboserve.executor.cpu.modelled";
    public static final String NAME = "modelled";
    /** The tensor id of payload bytes under the session seed. */
    static final long PAYLOAD_TENSOR = 0x9A71_0ADL;
    static final int PAYLOAD_BYTES = 64;

    @ObjectClassDefinition(name = "TurboServe modelled chunk executor",
            description = "Takes the modelled time of each step and computes nothing; for load tests with many virtual GPUs.")
    public @interface Config {
        @AttributeDefinition(name = "Devices", description = "Virtual GPU workers, ids 0..devices-1. Default 64, the paper's largest cluster.")
        int devices() default 64;

        @AttributeDefinition(name = "Sessions per device", description = "K: session states one device holds at most. Default 4.")
        int sessionsPerDevice() default 4;

        @AttributeDefinition(name = "Max batch", description = "Most sessions one step serves. Default 4.")
        int maxBatch() default 4;

        @AttributeDefinition(name = "Model", description = "The model name sessions must ask for. Default tiny, so the embedded server's clients work unchanged.")
        String model() default "tiny";

        @AttributeDefinition(name = "State bytes",
                description = "The state size reported per session (only a 64-byte header is really kept). Default 268435456 (256 MiB).")
        long stateBytes() default 268_435_456L;

        @AttributeDefinition(name = "Device memory bytes",
                description = "State memory per device; 0 (the default) means exactly sessionsPerDevice states.")
        long deviceMemoryBytes() default 0;

        @AttributeDefinition(name = "Base ms", description = "Chunk time of one session at the reference resolution. Default 180.")
        double baseMs() default 180;

        @AttributeDefinition(name = "Resolution factor", description = "Scale of the base for the served resolution. Default 0.65 (480p).")
        double resolutionFactor() default 0.65;

        @AttributeDefinition(name = "Frames", description = "Latent frames per chunk in the frame factor √(frames / referenceFrames). Default 9.")
        double frames() default 9;

        @AttributeDefinition(name = "Reference frames", description = "Frames at which the frame factor is 1. Default 64.")
        double referenceFrames() default 64;

        @AttributeDefinition(name = "Frames floor", description = "Least frame factor. Default 0.5.")
        double framesFloor() default 0.5;

        @AttributeDefinition(name = "Ms per prompt token", description = "Added per prompt token. Default 0.015.")
        double msPerPromptToken() default 0.015;

        @AttributeDefinition(name = "Prompt tokens", description = "Prompt tokens. Default 256.")
        double promptTokens() default 256;

        @AttributeDefinition(name = "Per extra session ms", description = "Added per session beyond the first in a step. Default 55.")
        double perExtraSessionMs() default 55;

        @AttributeDefinition(name = "Contention ms", description = "Scale of the quadratic contention term. Default 18.")
        double contentionMs() default 18;

        @AttributeDefinition(name = "Contention sessions", description = "K of the contention term (n / K)². Default 4.")
        double contentionSessions() default 4;
    }

    /** Sleeps for the modelled time; a test replaces it to run without waiting. */
    interface Pause {
        void pause(long nanos) throws InterruptedException;
    }

    /** The configuration after validation. */
    record Settings(int devices, int sessionsPerDevice, int maxBatch, String model, long stateBytes,
            long deviceMemoryBytes, ModelledLatency latency) {
    }

    private final Settings settings;
    private final DevicePool pool;
    private final Pause pause;
    private final long fingerprint;

    @Activate
    public ModelledChunkExecutor(Config config) {
        this(config, ModelledChunkExecutor::park);
    }

    /**
     * The settings the last instance started with: an invalid edit restarts with them. The
     * executor needs a configuration, so an invalid first one is refused.
     */
    private static final LastStarted<Settings> LAST_STARTED = new LastStarted<>("the modelled executor");

    ModelledChunkExecutor(Config config, Pause pause) {
        this.settings = LAST_STARTED.settle(() -> configure(config), null);
        this.pause = pause;
        this.pool = new DevicePool("modelled executor", settings.devices(), settings.sessionsPerDevice(),
                settings.deviceMemoryBytes(), bytes -> new byte[StateHeader.BYTES]);
        this.fingerprint = CounterRng.mix64(CounterRng.promptSeed(NAME + "/" + settings.model()) + settings.stateBytes());
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
            if (config.model() == null || config.model().isBlank()) {
                throw new IllegalArgumentException("model must name the model sessions ask for, got '"
                        + config.model() + "'");
            }
            Limits.range("stateBytes", config.stateBytes(), StateHeader.BYTES, Long.MAX_VALUE);
            long memory = Limits.deviceMemory(config.deviceMemoryBytes(), config.sessionsPerDevice(), config.stateBytes());
            Limits.nonNegative("baseMs", config.baseMs());
            Limits.nonNegative("resolutionFactor", config.resolutionFactor());
            Limits.nonNegative("frames", config.frames());
            Limits.positive("referenceFrames", config.referenceFrames());
            Limits.nonNegative("framesFloor", config.framesFloor());
            Limits.nonNegative("msPerPromptToken", config.msPerPromptToken());
            Limits.nonNegative("promptTokens", config.promptTokens());
            Limits.nonNegative("perExtraSessionMs", config.perExtraSessionMs());
            Limits.nonNegative("contentionMs", config.contentionMs());
            Limits.positive("contentionSessions", config.contentionSessions());
            ModelledLatency latency = new ModelledLatency(config.baseMs(), config.resolutionFactor(), config.frames(),
                    config.referenceFrames(), config.framesFloor(), config.msPerPromptToken(), config.promptTokens(),
                    config.perExtraSessionMs(), config.contentionMs(), config.contentionSessions());
            return new Settings(config.devices(), config.sessionsPerDevice(), config.maxBatch(), config.model(),
                    config.stateBytes(), memory, latency);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() {
        pool.close();
    }

    /** @return the latency model this executor sleeps by. */
    ModelledLatency latency() {
        return settings.latency();
    }

    @Override
    public ExecutorInfo info() {
        return new ExecutorInfo(NAME, settings.model(), settings.devices(), settings.deviceMemoryBytes(),
                settings.sessionsPerDevice(), settings.maxBatch());
    }

    @Override
    public long stateBytes(SessionSpec spec) throws ExecutorException {
        checkModel(spec);
        return settings.stateBytes();
    }

    @Override
    public StateHandle create(int gpu, String sessionId, SessionSpec spec) throws ExecutorException {
        checkModel(spec);
        DevicePool.Allocation allocation = pool.allocate(gpu, sessionId, settings.stateBytes());
        StateHeader.initialise(allocation.memory, spec.seed(), CounterRng.promptSeed(spec.prompt()), fingerprint);
        return DevicePool.handle(gpu, allocation);
    }

    @Override
    public StateHandle allocate(int gpu, String sessionId, long bytes) throws ExecutorException {
        if (bytes != settings.stateBytes()) {
            throw new ExecutorException(Kind.INVALID, "modelled executor: a state has " + settings.stateBytes()
                    + " bytes, asked to allocate " + bytes);
        }
        return DevicePool.handle(gpu, pool.allocate(gpu, sessionId, bytes));
    }

    @Override
    public void free(StateHandle state) {
        pool.free(state);
    }

    /**
     * Checks the batch as the CPU executor does, waits {@code ms(n)} for a batch of n, then advances
     * every state and returns {@value #PAYLOAD_BYTES} bytes per chunk: {@link CounterRng#bits} of
     * (session seed, {@code PAYLOAD_TENSOR}, 8·chunk + word), little-endian. An interrupted wait
     * changes nothing.
     */
    @Override
    public StepResult step(int gpu, List<StepItem> batch) throws ExecutorException {
        for (StepItem item : batch) {
            checkModel(item.spec());
        }
        return pool.onBatch(gpu, batch, settings.maxBatch(), states -> {
            for (int i = 0; i < batch.size(); i++) {
                StepItem item = batch.get(i);
                String refusal = StateHeader.refusal(states.get(i).memory, fingerprint, item.spec().seed(),
                        CounterRng.promptSeed(item.spec().prompt()), item.chunkIndex());
                if (refusal != null) {
                    throw new ExecutorException(Kind.INVALID,
                            "modelled executor: session " + item.state().sessionId() + ": " + refusal);
                }
            }
            long nanos = batch.isEmpty() ? 0 : settings.latency().stepNanos(batch.size());
            try {
                pause.pause(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExecutorException(Kind.CLOSED, "modelled executor: step on gpu " + gpu + " interrupted", e);
            }
            List<ChunkOutput> outputs = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                StepItem item = batch.get(i);
                StateHeader.advance(states.get(i).memory, 0);
                outputs.add(new ChunkOutput(item.state().sessionId(), item.chunkIndex(),
                        payload(item.spec().seed(), item.chunkIndex())));
            }
            return new StepResult(outputs, nanos);
        });
    }

    @Override
    public void copyToHost(StateHandle state, HostSlot slot) throws ExecutorException {
        pool.copyToHost(state, slot);
    }

    @Override
    public void copyFromHost(HostSlot slot, StateHandle state) throws ExecutorException {
        pool.copyFromHost(slot, state, incoming -> StateHeader.isInitialised(incoming)
                && StateHeader.fingerprint(incoming) == fingerprint ? null
                        : "no modelled state header of this configuration");
    }

    @Override
    public void copyDevice(StateHandle from, StateHandle to) throws ExecutorException {
        pool.copyDevice(from, to);
    }

    static byte[] payload(long seed, long chunkIndex) {
        byte[] bytes = new byte[PAYLOAD_BYTES];
        for (int word = 0; word < PAYLOAD_BYTES / 8; word++) {
            long bits = CounterRng.bits(seed, PAYLOAD_TENSOR, 8 * chunkIndex + word);
            for (int b = 0; b < 8; b++) {
                bytes[8 * word + b] = (byte) (bits >>> (8 * b));
            }
        }
        return bytes;
    }

    /** Parks until the deadline; spurious wake-ups park again. */
    private static void park(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private void checkModel(SessionSpec spec) throws ExecutorException {
        if (!settings.model().equals(spec.model())) {
            throw new ExecutorException(Kind.INVALID, "modelled executor: model '" + spec.model()
                    + "' is not served here; this executor models '" + settings.model() + "'");
        }
    }
}
