package io.turboserve.transport.nccl;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.offload.Slab;
import io.turboserve.api.offload.StoreFullException;
import io.turboserve.cuda.CudaMemoryOwner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Test doubles without native code: an executor, a store and device operations over byte arrays. */
final class Fakes {
    private Fakes() {
    }

    /** "Device memory": allocations by address. */
    static final class Memory {
        final Map<Long, byte[]> blocks = new HashMap<>();
        private long next = 0x7f00_0000_0000L;

        long allocate(byte[] content) {
            long address = next;
            next += 1L << 20;
            blocks.put(address, content);
            return address;
        }

        byte[] at(long address) {
            byte[] b = blocks.get(address);
            if (b == null) {
                throw new IllegalArgumentException("no allocation at " + Long.toHexString(address));
            }
            return b;
        }
    }

    /** A plain executor (like the CPU one): no CUDA memory. */
    static class PlainExecutor implements ChunkExecutor {
        final Memory memory = new Memory();
        final List<String> calls = new ArrayList<>();
        String failAt; // "copyToHost" or "copyFromHost"

        @Override
        public ExecutorInfo info() {
            return new ExecutorInfo(getClass().getSimpleName(), "tiny", 2, 1L << 30, 4, 4);
        }

        @Override
        public long stateBytes(SessionSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public StateHandle create(int gpu, String sessionId, SessionSpec spec) {
            throw new UnsupportedOperationException();
        }

        /** A state holding {@code content} on {@code gpu}. */
        StateHandle state(int gpu, String sessionId, byte[] content) {
            return new StateHandle(sessionId, gpu, memory.allocate(content), content.length, 3);
        }

        @Override
        public StateHandle allocate(int gpu, String sessionId, long bytes) {
            return state(gpu, sessionId, new byte[(int) bytes]);
        }

        @Override
        public void free(StateHandle state) {
            memory.blocks.remove(state.address());
        }

        @Override
        public StepResult step(int gpu, List<StepItem> batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void copyToHost(StateHandle state, HostSlot slot) throws ExecutorException {
            calls.add("copyToHost(" + state.gpu() + ")");
            if ("copyToHost".equals(failAt)) {
                throw new ExecutorException(ExecutorException.Kind.DEVICE_LOST, "device 0 fell off the bus");
            }
            byte[] b = memory.at(state.address());
            slot.write(0, b, 0, b.length);
        }

        @Override
        public void copyFromHost(HostSlot slot, StateHandle state) throws ExecutorException {
            calls.add("copyFromHost(" + state.gpu() + ")");
            if ("copyFromHost".equals(failAt)) {
                throw new ExecutorException(ExecutorException.Kind.OUT_OF_MEMORY, "pinned copy failed");
            }
            byte[] b = memory.at(state.address());
            slot.read(0, b, 0, b.length);
        }

        @Override
        public void copyDevice(StateHandle from, StateHandle to) {
            throw new AssertionError("the nccl transport never asks the executor for a device copy");
        }
    }

    /** A CUDA executor: logical GPU g lives on CUDA device {@code devices[g]}. */
    static final class CudaExecutor extends PlainExecutor implements CudaMemoryOwner {
        final int[] devices;

        CudaExecutor(int... devices) {
            this.devices = devices;
        }

        @Override
        public int cudaDevice(int gpu) {
            if (gpu < 0 || gpu >= devices.length) {
                throw new IllegalArgumentException("no GPU worker " + gpu);
            }
            return devices[gpu];
        }
    }

    /** A store under a byte limit, slots over byte arrays. */
    static final class Store implements OffloadStore {
        final long capacity;
        final List<Slot> live = new ArrayList<>();
        int allocations;
        int frees;

        Store(long capacity) {
            this.capacity = capacity;
        }

        final class Slot implements HostSlot {
            final String sessionId;
            final byte[] data;

            Slot(String sessionId, long bytes) {
                this.sessionId = sessionId;
                this.data = new byte[(int) bytes];
            }

            @Override
            public String sessionId() {
                return sessionId;
            }

            @Override
            public long address() {
                return 0x1000;
            }

            @Override
            public long bytes() {
                return data.length;
            }

            @Override
            public void write(long offset, byte[] src, int srcOffset, int length) {
                System.arraycopy(src, srcOffset, data, (int) offset, length);
            }

            @Override
            public void read(long offset, byte[] dst, int dstOffset, int length) {
                System.arraycopy(data, (int) offset, dst, dstOffset, length);
            }
        }

        @Override
        public HostSlot allocate(String sessionId, long bytes) throws StoreFullException {
            if (usedBytes() + bytes > capacity) {
                throw new StoreFullException("store full", bytes, capacity - usedBytes());
            }
            allocations++;
            Slot s = new Slot(sessionId, bytes);
            live.add(s);
            return s;
        }

        @Override
        public void free(HostSlot slot) {
            if (live.remove(slot)) {
                frees++;
            }
        }

        @Override
        public long capacityBytes() {
            return capacity;
        }

        @Override
        public long usedBytes() {
            return live.stream().mapToLong(Slot::bytes).sum();
        }

        @Override
        public List<Slab> slabs() {
            return List.of();
        }

        @Override
        public AutoCloseable onSlab(Consumer<Slab> listener) {
            return () -> { };
        }
    }

    /** Device operations that copy between the fake executor's byte arrays and record every call. */
    static final class Ops implements DeviceOps {
        final Memory memory;
        final List<String> calls = new ArrayList<>();
        String ncclProblem; // null: usable
        boolean peer;
        NativeCallException failure;
        int ncclAsked;
        int peerAsked;
        boolean closed;

        Ops(Memory memory) {
            this.memory = memory;
        }

        @Override
        public String ncclProblem() {
            ncclAsked++;
            return ncclProblem;
        }

        @Override
        public boolean canAccessPeer(int device, int peerDevice) {
            peerAsked++;
            return peer;
        }

        private void move(String call, long dst, long src, long bytes) throws NativeCallException {
            calls.add(call);
            if (failure != null) {
                throw failure;
            }
            byte[] from = memory.at(src);
            byte[] to = memory.at(dst);
            System.arraycopy(from, 0, to, 0, (int) bytes);
        }

        @Override
        public void deviceCopy(int device, long dst, long src, long bytes) throws NativeCallException {
            move("deviceCopy(" + device + ")", dst, src, bytes);
        }

        @Override
        public void peerCopy(int dstDevice, long dst, int srcDevice, long src, long bytes) throws NativeCallException {
            move("peerCopy(" + srcDevice + "->" + dstDevice + ")", dst, src, bytes);
        }

        @Override
        public void ncclCopy(int srcDevice, long src, int dstDevice, long dst, long bytes) throws NativeCallException {
            move("ncclCopy(" + srcDevice + "->" + dstDevice + ")", dst, src, bytes);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static byte[] pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static byte[] copyOf(byte[] b) {
        return Arrays.copyOf(b, b.length);
    }
}
