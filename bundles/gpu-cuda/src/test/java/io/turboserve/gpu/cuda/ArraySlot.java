package io.turboserve.gpu.cuda;

import io.turboserve.api.offload.HostSlot;

/** A host slot backed by a byte array, without a native address (what the CPU executor copies into). */
final class ArraySlot implements HostSlot {
    private final String sessionId;
    final byte[] data;

    ArraySlot(String sessionId, long bytes) {
        this.sessionId = sessionId;
        this.data = new byte[Math.toIntExact(bytes)];
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public long address() {
        return 0;
    }

    @Override
    public long bytes() {
        return data.length;
    }

    @Override
    public void write(long offset, byte[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, data, Math.toIntExact(offset), length);
    }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(data, Math.toIntExact(offset), dst, dstOffset, length);
    }
}
