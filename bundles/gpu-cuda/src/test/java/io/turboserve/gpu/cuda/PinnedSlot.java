package io.turboserve.gpu.cuda;

import io.turboserve.api.offload.HostSlot;
import org.bytedeco.javacpp.BytePointer;

/** A host slot in native memory with a real address (what the Arrow store hands out), for GPU tests. */
final class PinnedSlot implements HostSlot, AutoCloseable {
    private final String sessionId;
    private final BytePointer memory;
    private final long bytes;

    PinnedSlot(String sessionId, long bytes) {
        this.sessionId = sessionId;
        this.bytes = bytes;
        this.memory = new BytePointer(bytes);
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public long address() {
        return memory.address();
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void write(long offset, byte[] src, int srcOffset, int length) {
        memory.position(offset).put(src, srcOffset, length);
        memory.position(0);
    }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        memory.position(offset).get(dst, dstOffset, length);
        memory.position(0);
    }

    @Override
    public void close() {
        memory.close();
    }
}
