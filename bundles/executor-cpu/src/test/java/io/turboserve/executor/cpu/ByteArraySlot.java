package io.turboserve.executor.cpu;

import io.turboserve.api.offload.HostSlot;

/** A host slot backed by a byte array; it may report more bytes than it backs (modelled states). */
final class ByteArraySlot implements HostSlot {
    private final String sessionId;
    private final long bytes;
    final byte[] data;

    ByteArraySlot(String sessionId, long bytes, int backing) {
        this.sessionId = sessionId;
        this.bytes = bytes;
        this.data = new byte[backing];
    }

    ByteArraySlot(String sessionId, int bytes) {
        this(sessionId, bytes, bytes);
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
        return bytes;
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
