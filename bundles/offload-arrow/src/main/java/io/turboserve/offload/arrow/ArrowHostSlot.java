package io.turboserve.offload.arrow;

import io.turboserve.api.offload.HostSlot;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A range of one slab. Copies hold the slot's read lock and {@code free} takes its write lock, so a
 * slot is never returned to the free list (or its slab closed) while a copy into it is running;
 * concurrent copies of one slot do not wait for each other.
 */
final class ArrowHostSlot implements HostSlot {
    final ArrowOffloadStore owner;
    final ArenaSlab slab;
    final long offset;
    /** The aligned range taken from the slab; at least {@link #bytes}. */
    final long reservation;
    private final String sessionId;
    private final long bytes;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean freed; // guarded by lock

    ArrowHostSlot(ArrowOffloadStore owner, ArenaSlab slab, String sessionId, long offset, long bytes,
            long reservation) {
        this.owner = owner;
        this.slab = slab;
        this.sessionId = sessionId;
        this.offset = offset;
        this.bytes = bytes;
        this.reservation = reservation;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public long address() {
        return slab.buffer.memoryAddress() + offset;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void write(long at, byte[] src, int srcOffset, int length) {
        Objects.requireNonNull(src, "src");
        checkRange("write", at, length);
        checkArray("source", src, srcOffset, length);
        lock.readLock().lock();
        try {
            ensureLive("write");
            slab.buffer.setBytes(offset + at, src, srcOffset, length);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void read(long at, byte[] dst, int dstOffset, int length) {
        Objects.requireNonNull(dst, "dst");
        checkRange("read", at, length);
        checkArray("destination", dst, dstOffset, length);
        lock.readLock().lock();
        try {
            ensureLive("read");
            slab.buffer.getBytes(offset + at, dst, dstOffset, length);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Marks the slot freed once any copy in flight has finished.
     *
     * @return whether this call freed it (false when it was freed before)
     */
    boolean markFreed() {
        lock.writeLock().lock();
        try {
            if (freed) {
                return false;
            }
            freed = true;
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkRange(String what, long at, int length) {
        // Written so that no sum can overflow: at <= bytes - length.
        if (at < 0 || length < 0 || at > bytes - length) {
            throw new IndexOutOfBoundsException(what + " of " + length + " bytes at offset " + at
                    + " is outside the slot of session " + sessionId + " (" + bytes + " bytes)");
        }
    }

    private void checkArray(String what, byte[] array, int from, int length) {
        if (from < 0 || from > array.length - length) {
            throw new IndexOutOfBoundsException(length + " bytes at index " + from + " are outside the " + what
                    + " array of " + array.length + " bytes");
        }
    }

    private void ensureLive(String what) {
        if (freed) {
            throw new IllegalStateException("cannot " + what + ": the slot of session " + sessionId + " was freed");
        }
    }

    @Override
    public String toString() {
        return "HostSlot[session=" + sessionId + ", " + slab + ", offset=" + offset + ", bytes=" + bytes + "]";
    }
}
