package io.turboserve.offload.arrow;

import io.turboserve.api.offload.Slab;
import org.apache.arrow.memory.ArrowBuf;

/** One slab: an Arrow buffer, the free ranges inside it, and how it is announced. Guarded by the store's lock. */
final class ArenaSlab {
    final int id;
    final ArrowBuf buffer;
    final FreeList free;
    /** Created for one slot larger than the slab size. */
    final boolean dedicated;
    final Slab info;

    ArenaSlab(int id, ArrowBuf buffer, boolean dedicated) {
        this.id = id;
        this.buffer = buffer;
        this.free = new FreeList(buffer.capacity());
        this.dedicated = dedicated;
        this.info = new Slab(buffer.memoryAddress(), buffer.capacity());
    }

    long bytes() {
        return free.size();
    }

    @Override
    public String toString() {
        return "slab #" + id + " (" + bytes() + " bytes" + (dedicated ? ", dedicated" : "") + ")";
    }
}
