package io.turboserve.gpu.cuda;

import static io.turboserve.gpu.cuda.Native.at;
import static io.turboserve.gpu.cuda.Native.cuda;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaHostRegister;
import static org.bytedeco.cuda.global.cudart.cudaHostRegisterPortable;
import static org.bytedeco.cuda.global.cudart.cudaHostUnregister;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyPeerAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ChunkOutput;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.ExecutorException.Kind;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.Slab;
import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaMemoryOwner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The CUDA chunk executor: the model of DESIGN.md section 6 on CUDA devices. Each physical device
 * holds the weights once ({@link DeviceModel}) and serves {@link Settings#workersPerDevice} logical
 * workers ({@link Worker}); a session's state is one packed device allocation ({@link StateLayout}),
 * its handle's address the device pointer. Offload and restore copy straight between that
 * allocation and the offload store's slot, whose slab the executor registered page-locked once
 * ({@link #registerHost}); a migration on one device is one device copy, between devices a peer
 * copy (the NCCL transport does it itself, through {@link CudaMemoryOwner}).
 *
 * <p>Plain Java, constructed by the DS component {@link CudaExecutorComponent} or by a check
 * program; every CUDA call is made here or in the classes it owns.
 */
public final class CudaChunkExecutor implements ChunkExecutor, CudaMemoryOwner, AutoCloseable {
    public static final String NAME = "cuda";

    /**
     * The configuration after validation.
     *
     * @param preset            the model shape (its window included)
     * @param modelSeed         the seed of every weight (the CPU executor's default is 1234)
     * @param devices           the CUDA ordinals to use, in worker order
     * @param workersPerDevice  logical workers per device (a memory split; 2 runs migration on one GPU)
     * @param sessionsPerWorker K: the most states one worker holds (fewer if memory says so)
     * @param maxBatch          the most sessions one step serves
     * @param reserveBytes      device memory left free per device for the context, cuBLAS, fragmentation
     * @param attention         {@code flash2} (tensor cores, double-buffered, ldmatrix), {@code flash}
     *                          (tensor cores, simpler), {@code reference} (a plain kernel) or {@code auto}
     *                          (flash2 where the head dim and the device allow it)
     */
    public record Settings(ModelPreset preset, long modelSeed, List<Integer> devices, int workersPerDevice,
            int sessionsPerWorker, int maxBatch, long reserveBytes, String attention) {
        public Settings {
            devices = List.copyOf(devices);
            if (devices.isEmpty()) {
                throw new IllegalArgumentException("devices: at least one CUDA device is needed");
            }
            if (new HashSet<>(devices).size() != devices.size()) {
                throw new IllegalArgumentException("devices: a device is listed twice: " + devices);
            }
            range("workersPerDevice", workersPerDevice, 1, 64);
            range("sessionsPerWorker", sessionsPerWorker, 1, 4096);
            range("maxBatch", maxBatch, 1, 64);
            if (reserveBytes < 0) {
                throw new IllegalArgumentException("reserveBytes must be ≥ 0, got " + reserveBytes);
            }
            if (!List.of("auto", "flash2", "flash", "reference").contains(attention)) {
                throw new IllegalArgumentException("attention must be auto, flash2, flash or reference, got '" + attention
                        + "'");
            }
            if (attention.startsWith("flash") && !flashFits(preset)) {
                throw new IllegalArgumentException("attention=" + attention + " needs a head dim that is a multiple of 16 "
                        + "and at most 128; " + preset.name() + " has " + preset.headDim());
            }
        }

        private static void range(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
            }
        }
    }

    /** @return whether the tensor-core attention kernel handles this preset's head width. */
    static boolean flashFits(ModelPreset preset) {
        return preset.headDim() % 16 == 0 && preset.headDim() <= 128 && preset.hidden() % 8 == 0;
    }

    private final Settings settings;
    private final StateLayout layout;
    private final long fingerprint;
    private final List<DeviceModel> models = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    private final Map<Long, Long> pinned = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Sets up every device: compiles the kernels, generates the weights, plans memory, and creates
     * the workers.
     *
     * @throws IllegalStateException when a device cannot hold the model or one state per worker
     *                               (the message says what to change), or a CUDA call fails
     */
    public CudaChunkExecutor(Settings settings, List<CudaDevice> available) {
        this.settings = settings;
        this.layout = new StateLayout(settings.preset());
        this.fingerprint = settings.preset().fingerprint(settings.modelSeed());
        try (Launcher launcher = new Launcher()) {
            for (int ordinal : settings.devices()) {
                CudaDevice device = available.stream().filter(dev -> dev.ordinal() == ordinal).findFirst()
                        .orElseThrow(() -> new IllegalStateException("CUDA device " + ordinal + " is not usable here; usable: "
                                + available.stream().map(CudaDevice::describe).toList()));
                setUp(device, launcher);
            }
        } catch (RuntimeException e) {
            close();
            throw e instanceof Native.CudaException ? new IllegalStateException("cuda executor: " + e.getMessage(), e) : e;
        }
    }

    private void setUp(CudaDevice device, Launcher launcher) {
        ModelPreset p = settings.preset();
        cuda(cudaSetDevice(device.ordinal()), "cudaSetDevice(" + device.ordinal() + ")");
        cuda(cudaFree(null), "cudaFree(null) (context initialisation)");
        SizeTPointer free = new SizeTPointer(1);
        SizeTPointer total = new SizeTPointer(1);
        cuda(cudaMemGetInfo(free, total), "cudaMemGetInfo");
        long workspace = Workspace.plan(p, settings.maxBatch()).bytes();
        MemoryBudget budget = MemoryBudget.plan(device.describe(), free.get(), p.weightElements() * 2, workspace,
                settings.reserveBytes(), settings.workersPerDevice(), layout.stateBytes(), settings.sessionsPerWorker());
        if (settings.attention().startsWith("flash") && device.computeMajor() < 8) {
            throw new IllegalStateException("attention=" + settings.attention() + " needs compute capability 8.0 or newer "
                    + "(bf16 tensor cores); " + device.describe() + " has " + device.computeCapability()
                    + ": use attention=auto or reference");
        }
        Worker.Attention attention = switch (settings.attention()) {
            case "flash2" -> Worker.Attention.FLASH2;
            case "flash" -> Worker.Attention.FLASH;
            case "reference" -> Worker.Attention.REFERENCE;
            default -> flashFits(p) && device.computeMajor() >= 8 ? Worker.Attention.FLASH2 : Worker.Attention.REFERENCE;
        };
        DeviceModel model = new DeviceModel(device.ordinal(), p, settings.modelSeed(), device.computeMajor(),
                device.computeMinor(), launcher);
        models.add(model);
        for (int w = 0; w < settings.workersPerDevice(); w++) {
            workers.add(new Worker(workers.size(), model, budget, settings.maxBatch(), attention));
        }
    }

    public Settings settings() {
        return settings;
    }

    /** @return the NVRTC compile time of the kernels on the first device. */
    public long kernelCompileNanos() {
        return models.isEmpty() ? 0 : models.get(0).kernels.compileNanos;
    }

    /** @return the attention kernel in use: {@code flash2}, {@code flash} or {@code reference}. */
    public String attentionKernel() {
        return workers.isEmpty() ? "none" : workers.get(0).attention.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public ExecutorInfo info() {
        MemoryBudget b = workers.isEmpty() ? new MemoryBudget(0, 0) : workers.get(0).budget;
        return new ExecutorInfo(NAME, settings.preset().name(), workers.size(), b.stateBytesPerWorker(),
                b.sessionsPerWorker(), settings.maxBatch());
    }

    @Override
    public int cudaDevice(int gpu) {
        if (gpu < 0 || gpu >= workers.size()) {
            throw new IllegalArgumentException("no worker " + gpu + "; this executor has " + workers.size());
        }
        return workers.get(gpu).device();
    }

    @Override
    public long stateBytes(SessionSpec spec) throws ExecutorException {
        checkModel(spec);
        return layout.stateBytes();
    }

    @Override
    public StateHandle create(int gpu, String sessionId, SessionSpec spec) throws ExecutorException {
        checkModel(spec);
        StateHandle handle = allocate(gpu, sessionId, layout.stateBytes());
        Worker w = workers.get(gpu);
        try {
            w.enter();
            w.writeHeader(handle.address(), new StateLayout.Header(0, spec.seed(), 0, Rng.promptSeed(spec.prompt()),
                    fingerprint));
            return handle;
        } catch (Native.CudaException e) {
            free(handle);
            throw failure(w, "writing the header of " + sessionId, e);
        }
    }

    @Override
    public StateHandle allocate(int gpu, String sessionId, long bytes) throws ExecutorException {
        Worker w = worker(gpu);
        if (bytes != layout.stateBytes()) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: a " + settings.preset().name() + " state has "
                    + layout.stateBytes() + " bytes, asked to allocate " + bytes);
        }
        synchronized (w) {
            int held = w.states.size();
            if (held >= w.budget.sessionsPerWorker()) {
                throw new ExecutorException(Kind.OUT_OF_MEMORY, "cuda executor: worker " + gpu + " (CUDA device "
                        + w.device() + ") holds " + held + " of its " + w.budget.sessionsPerWorker() + " states ("
                        + MemoryBudget.gb(w.budget.stateBytesPerWorker()) + " budget); another state of "
                        + MemoryBudget.gb(bytes) + " for " + sessionId + " does not fit");
            }
            try {
                w.enter();
                return new StateHandle(sessionId, gpu, w.allocate(sessionId, bytes), bytes, 0);
            } catch (Native.CudaException e) {
                throw new ExecutorException(e.outOfMemory ? Kind.OUT_OF_MEMORY : Kind.DEVICE_LOST,
                        "cuda executor: worker " + gpu + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void free(StateHandle state) {
        if (closed || state.gpu() < 0 || state.gpu() >= workers.size()) {
            return;
        }
        Worker w = workers.get(state.gpu());
        synchronized (w) {
            Worker.Alloc alloc = w.states.get(state.address());
            if (alloc != null && alloc.sessionId().equals(state.sessionId())) {
                w.enter();
                w.free(state.address());
            }
        }
    }

    @Override
    public StepResult step(int gpu, List<StepItem> batch) throws ExecutorException {
        Worker w = worker(gpu);
        if (batch.isEmpty()) {
            return new StepResult(List.of(), 0);
        }
        if (batch.size() > settings.maxBatch()) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: a step of " + batch.size()
                    + " sessions exceeds maxBatch " + settings.maxBatch());
        }
        List<Long> addresses = new ArrayList<>(batch.size());
        Set<Long> distinct = new HashSet<>();
        for (StepItem item : batch) {
            checkModel(item.spec());
            owned(w, item.state());
            if (!distinct.add(item.state().address())) {
                throw new ExecutorException(Kind.INVALID, "cuda executor: session " + item.state().sessionId()
                        + " appears twice in one step");
            }
            addresses.add(item.state().address());
        }
        try {
            w.enter();
            List<StateLayout.Header> headers = w.readHeaders(addresses);
            List<Worker.Item> items = new ArrayList<>(batch.size());
            long[] seeds = new long[batch.size()];
            long[] prompts = new long[batch.size()];
            long[] chunks = new long[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                StepItem item = batch.get(i);
                seeds[i] = item.spec().seed();
                prompts[i] = Rng.promptSeed(item.spec().prompt());
                chunks[i] = item.chunkIndex();
                String refusal = StateLayout.Header.refusal(headers.get(i), fingerprint, seeds[i], prompts[i], chunks[i]);
                if (refusal != null) {
                    throw new ExecutorException(Kind.INVALID, "cuda executor: session " + item.state().sessionId() + ": "
                            + refusal);
                }
                items.add(new Worker.Item(item.state().address(), headers.get(i),
                        layout.validTokens(headers.get(i).framesWritten())));
            }
            float[] ms = new float[1];
            List<byte[]> payloads = w.step(items, seeds, prompts, chunks, ms);
            List<ChunkOutput> outputs = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                outputs.add(new ChunkOutput(batch.get(i).state().sessionId(), chunks[i], payloads.get(i)));
            }
            return new StepResult(outputs, (long) (ms[0] * 1e6));
        } catch (Native.CudaException e) {
            throw failure(w, "a step of " + batch.size() + " sessions", e);
        }
    }

    @Override
    public void copyToHost(StateHandle state, HostSlot slot) throws ExecutorException {
        Worker w = worker(state.gpu());
        owned(w, state);
        checkSlot(slot, state.bytes());
        try {
            w.enter();
            w.copyHost(state.address(), slot.address(), state.bytes(), true);
        } catch (Native.CudaException e) {
            throw failure(w, "offloading " + state.sessionId(), e);
        }
    }

    @Override
    public void copyFromHost(HostSlot slot, StateHandle state) throws ExecutorException {
        Worker w = worker(state.gpu());
        owned(w, state);
        checkSlot(slot, state.bytes());
        byte[] header = new byte[StateLayout.HEADER_BYTES];
        slot.read(0, header, 0, header.length);
        StateLayout.Header h = StateLayout.Header.decode(header);
        if (h == null || h.fingerprint() != fingerprint) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: the host slot of " + slot.sessionId()
                    + (h == null ? " holds no state header" : " holds a state written by another model shape or weight seed"));
        }
        try {
            w.enter();
            w.copyHost(state.address(), slot.address(), state.bytes(), false);
        } catch (Native.CudaException e) {
            throw failure(w, "restoring " + state.sessionId(), e);
        }
    }

    @Override
    public void copyDevice(StateHandle from, StateHandle to) throws ExecutorException {
        Worker source = worker(from.gpu());
        Worker target = worker(to.gpu());
        owned(source, from);
        owned(target, to);
        if (from.bytes() != to.bytes()) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: copy of " + from.bytes() + " bytes into "
                    + to.bytes());
        }
        try {
            target.enter();
            if (source.device() == target.device()) {
                target.copyDevice(from.address(), to.address(), from.bytes());
            } else {
                cuda(cudaMemcpyPeerAsync(at(to.address()), target.device(), at(from.address()), source.device(),
                        from.bytes(), target.copyStream()), "cudaMemcpyPeerAsync");
                Worker.sync(target.copyStream());
            }
        } catch (Native.CudaException e) {
            throw failure(target, "copying " + from.sessionId() + " from worker " + from.gpu(), e);
        }
    }

    /**
     * A benchmark aid: makes a freshly created state look as if {@code frames} frames had been
     * written (its window full of generator values, its next chunk {@code frames / framesPerChunk}),
     * so a step can be timed at a full window without generating the chunks that would fill it.
     */
    public void fillWindow(StateHandle state, long frames) throws ExecutorException {
        Worker w = worker(state.gpu());
        owned(w, state);
        if (frames < 0 || frames % settings.preset().framesPerChunk() != 0) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: frames must be a multiple of "
                    + settings.preset().framesPerChunk() + ", got " + frames);
        }
        try {
            w.enter();
            StateLayout.Header now = w.readHeaders(List.of(state.address())).get(0);
            if (now == null) {
                throw new ExecutorException(Kind.INVALID, "cuda executor: " + state.sessionId() + " holds no state yet");
            }
            w.fillWindow(state.address(), new StateLayout.Header(frames / settings.preset().framesPerChunk(),
                    now.seed(), frames, now.promptSeed(), now.fingerprint()));
        } catch (Native.CudaException e) {
            throw failure(w, "filling the window of " + state.sessionId(), e);
        }
    }

    /**
     * Registers a slab of the offload store page-locked (portable: every device sees it pinned), so
     * copies to and from its slots run at PCIe speed. Called once per slab, when it is created.
     *
     * @return whether it is registered now (false: a CUDA error, logged by the caller; copies
     *         still work, at pageable speed)
     */
    public boolean registerHost(Slab slab) {
        if (closed || pinned.containsKey(slab.address())) {
            return !closed;
        }
        cuda(cudaSetDevice(settings.devices().get(0)), "cudaSetDevice");
        cuda(cudaHostRegister(at(slab.address(), slab.bytes()), slab.bytes(), cudaHostRegisterPortable),
                "cudaHostRegister(" + slab.bytes() + " bytes)");
        pinned.put(slab.address(), slab.bytes());
        return true;
    }

    /** @return whether {@code [address, address + bytes)} lies in a slab registered page-locked. */
    public boolean isPinned(long address, long bytes) {
        for (Map.Entry<Long, Long> e : pinned.entrySet()) {
            if (address >= e.getKey() && address + bytes <= e.getKey() + e.getValue()) {
                return true;
            }
        }
        return false;
    }

    /** Unregisters every slab registered page-locked (the store is going away). */
    public void unregisterHost() {
        for (Long address : List.copyOf(pinned.keySet())) {
            if (pinned.remove(address) != null) {
                cudaHostUnregister(at(address));
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Worker w : workers) {
            w.close();
        }
        for (DeviceModel m : models) {
            cudaSetDevice(m.device);
            m.close();
        }
        unregisterHost();
    }

    private Worker worker(int gpu) throws ExecutorException {
        if (closed) {
            throw new ExecutorException(Kind.CLOSED, "cuda executor: closed");
        }
        if (gpu < 0 || gpu >= workers.size()) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: no worker " + gpu + "; workers are 0.."
                    + (workers.size() - 1));
        }
        return workers.get(gpu);
    }

    private static void owned(Worker w, StateHandle state) throws ExecutorException {
        Worker.Alloc alloc = w.states.get(state.address());
        if (alloc == null || !alloc.sessionId().equals(state.sessionId()) || alloc.bytes() != state.bytes()) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: worker " + w.id + " holds no state of "
                    + state.sessionId() + " at 0x" + Long.toHexString(state.address()) + " (freed, moved or stale)");
        }
    }

    private static void checkSlot(HostSlot slot, long bytes) throws ExecutorException {
        if (slot.bytes() < bytes) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: host slot of " + slot.bytes()
                    + " bytes is smaller than the state of " + bytes);
        }
        if (slot.address() == 0) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: the host slot of " + slot.sessionId()
                    + " has no address; the CUDA executor copies straight to host memory");
        }
    }

    private void checkModel(SessionSpec spec) throws ExecutorException {
        if (!settings.preset().name().equals(spec.model())) {
            throw new ExecutorException(Kind.INVALID, "cuda executor: model '" + spec.model()
                    + "' is not served here; this executor runs '" + settings.preset().name() + "'");
        }
    }

    private static ExecutorException failure(Worker w, String what, Native.CudaException e) {
        return new ExecutorException(e.outOfMemory ? Kind.OUT_OF_MEMORY : Kind.DEVICE_LOST,
                "cuda executor: worker " + w.id + " (CUDA device " + w.device() + "): " + what + ": " + e.getMessage(), e);
    }
}
