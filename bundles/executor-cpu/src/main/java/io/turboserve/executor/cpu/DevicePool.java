package io.turboserve.executor.cpu;

import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.ExecutorException.Kind;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.offload.HostSlot;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * The "device memory" of CPU workers: per device, the session states it holds, each one byte array
 * behind a {@link StateHandle} whose address is a private key (never reused, so a freed handle
 * cannot reach a later state), under a budget of states and bytes.
 *
 * <p>Every operation on a device runs under that device's lock, so a step and a copy of the same
 * device never interleave even if a caller breaks the one-thread-per-device rule; an operation on
 * two devices takes both locks in device order, so two of them cannot deadlock.
 *
 * <p>Epochs: {@link io.turboserve.api.executor.ChunkExecutor#allocate} cannot learn the epoch the
 * committed handle will carry (the controller bumps it with {@link StateHandle#movedTo}), so each
 * allocation remembers the highest epoch any handle to it has shown and refuses lower ones.
 */
final class DevicePool {
    /** One session state in one device's memory. */
    static final class Allocation {
        final String sessionId;
        final long address;
        /** The size handles report, which the budget counts (a modelled state reports more than it keeps). */
        final long bytes;
        final byte[] memory;
        private long epoch;

        Allocation(String sessionId, long address, long bytes, byte[] memory) {
            this.sessionId = sessionId;
            this.address = address;
            this.bytes = bytes;
            this.memory = memory;
        }
    }

    /** Work on a batch of resident states while their device is locked. */
    interface BatchWork<T> {
        T run(List<Allocation> states) throws ExecutorException;
    }

    /** Says why bytes arriving from the host cannot be a state here, or null when they can. */
    interface Admission {
        String refusal(byte[] incoming);
    }

    private static final class Device {
        final ReentrantLock lock = new ReentrantLock();
        final Map<Long, Allocation> states = new ConcurrentHashMap<>();
        long usedBytes;
    }

    private final String owner;
    private final Device[] devices;
    private final int maxStates;
    private final long capacityBytes;
    private final LongFunction<byte[]> backing;
    private final AtomicLong nextAddress = new AtomicLong(0x1000);
    private volatile boolean closed;

    /**
     * @param owner         names the executor in messages
     * @param backing       the real array behind a state of a given reported size
     */
    DevicePool(String owner, int devices, int maxStates, long capacityBytes, LongFunction<byte[]> backing) {
        this.owner = owner;
        this.devices = new Device[devices];
        for (int i = 0; i < devices; i++) {
            this.devices[i] = new Device();
        }
        this.maxStates = maxStates;
        this.capacityBytes = capacityBytes;
        this.backing = backing;
    }

    /** Reserves room for a state of {@code bytes} on {@code gpu}; the array is zeroed. */
    Allocation allocate(int gpu, String sessionId, long bytes) throws ExecutorException {
        Device device = device(gpu);
        if (bytes <= 0) {
            throw invalid("a state needs a positive size, got " + bytes + " bytes");
        }
        device.lock.lock();
        try {
            checkOpen();
            if (device.states.size() >= maxStates) {
                throw new ExecutorException(Kind.OUT_OF_MEMORY, owner + ": gpu " + gpu + " already holds "
                        + device.states.size() + " session states, its limit (sessionsPerDevice) is " + maxStates);
            }
            if (bytes > capacityBytes - device.usedBytes) {
                throw new ExecutorException(Kind.OUT_OF_MEMORY, owner + ": gpu " + gpu + " has "
                        + (capacityBytes - device.usedBytes) + " of " + capacityBytes
                        + " bytes free (deviceMemoryBytes), a state of session " + sessionId + " needs " + bytes);
            }
            Allocation allocation = new Allocation(sessionId, nextAddress.getAndIncrement(), bytes, backing.apply(bytes));
            device.states.put(allocation.address, allocation);
            device.usedBytes += bytes;
            return allocation;
        } finally {
            device.lock.unlock();
        }
    }

    /** @return the handle of a fresh allocation: epoch 0. */
    static StateHandle handle(int gpu, Allocation allocation) {
        return new StateHandle(allocation.sessionId, gpu, allocation.address, allocation.bytes, 0);
    }

    /** Frees a state; an unknown, already freed, foreign or stale handle frees nothing. */
    void free(StateHandle handle) {
        if (handle == null || handle.gpu() < 0 || handle.gpu() >= devices.length) {
            return;
        }
        Device device = devices[handle.gpu()];
        device.lock.lock();
        try {
            Allocation allocation = device.states.get(handle.address());
            if (allocation != null && allocation.sessionId.equals(handle.sessionId())
                    && allocation.bytes == handle.bytes() && handle.epoch() >= allocation.epoch) {
                device.states.remove(handle.address());
                device.usedBytes -= allocation.bytes;
            }
        } finally {
            device.lock.unlock();
        }
    }

    /**
     * Locks {@code gpu}, resolves every item's handle there (each at most once in the batch), runs
     * {@code work} and unlocks. Nothing is changed when a check fails.
     */
    <T> T onBatch(int gpu, List<StepItem> batch, int maxBatch, BatchWork<T> work) throws ExecutorException {
        Device device = device(gpu);
        if (batch.size() > maxBatch) {
            throw invalid("a step of " + batch.size() + " sessions is over maxBatch " + maxBatch);
        }
        device.lock.lock();
        try {
            checkOpen();
            List<Allocation> states = new ArrayList<>(batch.size());
            Map<Allocation, Boolean> seen = new IdentityHashMap<>();
            for (StepItem item : batch) {
                if (item.state().gpu() != gpu) {
                    throw invalid("the state of session " + item.state().sessionId() + " is on gpu "
                            + item.state().gpu() + ", the step is on gpu " + gpu);
                }
                Allocation allocation = resolve(item.state());
                if (seen.put(allocation, Boolean.TRUE) != null) {
                    throw invalid("session " + item.state().sessionId() + " appears twice in one step");
                }
                states.add(allocation);
            }
            return work.run(states);
        } finally {
            device.lock.unlock();
        }
    }

    /** Offload: the state's bytes into {@code slot} from offset 0. */
    void copyToHost(StateHandle handle, HostSlot slot) throws ExecutorException {
        Device device = device(handle.gpu());
        device.lock.lock();
        try {
            checkOpen();
            Allocation allocation = resolve(handle);
            checkSlot(slot, allocation);
            try {
                slot.write(0, allocation.memory, 0, allocation.memory.length);
            } catch (RuntimeException e) {
                throw new ExecutorException(Kind.INVALID, owner + ": the host slot of session "
                        + allocation.sessionId + " refused the copy: " + e.getMessage(), e);
            }
        } finally {
            device.lock.unlock();
        }
    }

    /**
     * Restore: the slot's bytes into an allocation. They are read and checked first, so a refused
     * restore leaves the allocation as it was.
     */
    void copyFromHost(HostSlot slot, StateHandle handle, Admission admission) throws ExecutorException {
        Device device = device(handle.gpu());
        device.lock.lock();
        try {
            checkOpen();
            Allocation allocation = resolve(handle);
            checkSlot(slot, allocation);
            byte[] incoming = new byte[allocation.memory.length];
            try {
                slot.read(0, incoming, 0, incoming.length);
            } catch (RuntimeException e) {
                throw new ExecutorException(Kind.INVALID, owner + ": the host slot of session "
                        + allocation.sessionId + " could not be read: " + e.getMessage(), e);
            }
            String refusal = admission.refusal(incoming);
            if (refusal != null) {
                throw invalid("the host slot of session " + allocation.sessionId + " does not hold a state: " + refusal);
            }
            System.arraycopy(incoming, 0, allocation.memory, 0, incoming.length);
        } finally {
            device.lock.unlock();
        }
    }

    /** Migration copy between two allocations of one session, same size, any devices. */
    void copyDevice(StateHandle from, StateHandle to) throws ExecutorException {
        Device source = device(from.gpu());
        Device target = device(to.gpu());
        Device first = from.gpu() <= to.gpu() ? source : target;
        Device second = first == source ? target : source;
        first.lock.lock();
        second.lock.lock();
        try {
            checkOpen();
            Allocation src = resolve(from);
            Allocation dst = resolve(to);
            if (src == dst) {
                throw invalid("a state cannot be copied onto itself (address " + from.address() + ")");
            }
            if (!src.sessionId.equals(dst.sessionId)) {
                throw invalid("copy from session " + src.sessionId + " into the state of session " + dst.sessionId);
            }
            if (src.bytes != dst.bytes || src.memory.length != dst.memory.length) {
                throw invalid("copy of " + src.bytes + " bytes into an allocation of " + dst.bytes + " bytes");
            }
            System.arraycopy(src.memory, 0, dst.memory, 0, src.memory.length);
        } finally {
            second.lock.unlock();
            first.lock.unlock();
        }
    }

    /** @return the states held on {@code gpu} now. */
    int statesOn(int gpu) {
        return devices[gpu].states.size();
    }

    /** Frees everything; later calls fail with {@link Kind#CLOSED}. */
    void close() {
        closed = true;
        for (Device device : devices) {
            device.lock.lock();
            try {
                device.states.clear();
                device.usedBytes = 0;
            } finally {
                device.lock.unlock();
            }
        }
    }

    /**
     * The allocation a handle names, with the checks of every use: known address on that device,
     * same session and size, epoch not below the highest seen. The caller holds the device's lock.
     */
    private Allocation resolve(StateHandle handle) throws ExecutorException {
        Allocation allocation = devices[handle.gpu()].states.get(handle.address());
        if (allocation == null) {
            for (int other = 0; other < devices.length; other++) {
                if (devices[other].states.containsKey(handle.address())) {
                    throw invalid("the state at address " + handle.address() + " is on gpu " + other
                            + ", the handle says gpu " + handle.gpu());
                }
            }
            throw invalid("no state at address " + handle.address() + " on gpu " + handle.gpu()
                    + " (never allocated, or freed) for session " + handle.sessionId());
        }
        if (!allocation.sessionId.equals(handle.sessionId())) {
            throw invalid("the state at address " + handle.address() + " belongs to session "
                    + allocation.sessionId + ", the handle says " + handle.sessionId());
        }
        if (allocation.bytes != handle.bytes()) {
            throw invalid("the state of session " + handle.sessionId() + " has " + allocation.bytes
                    + " bytes, the handle says " + handle.bytes());
        }
        if (handle.epoch() < allocation.epoch) {
            throw invalid("stale handle for session " + handle.sessionId() + ": epoch " + handle.epoch()
                    + ", the state is at epoch " + allocation.epoch);
        }
        allocation.epoch = handle.epoch();
        return allocation;
    }

    private void checkSlot(HostSlot slot, Allocation allocation) throws ExecutorException {
        if (!slot.sessionId().equals(allocation.sessionId)) {
            throw invalid("the host slot belongs to session " + slot.sessionId() + ", the state to "
                    + allocation.sessionId);
        }
        if (slot.bytes() < allocation.bytes) {
            throw invalid("the host slot of session " + allocation.sessionId + " has " + slot.bytes()
                    + " bytes, the state needs " + allocation.bytes);
        }
    }

    private Device device(int gpu) throws ExecutorException {
        checkOpen();
        if (gpu < 0 || gpu >= devices.length) {
            throw invalid("no gpu " + gpu + ": this executor drives gpus 0.." + (devices.length - 1));
        }
        return devices[gpu];
    }

    private void checkOpen() throws ExecutorException {
        if (closed) {
            throw new ExecutorException(Kind.CLOSED, owner + " is stopped");
        }
    }

    private ExecutorException invalid(String message) {
        return new ExecutorException(Kind.INVALID, owner + ": " + message);
    }
}
