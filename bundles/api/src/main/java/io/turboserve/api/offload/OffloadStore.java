package io.turboserve.api.offload;

import java.util.List;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Host memory for the state of sessions that are not on a GPU, under a hard byte limit. A full
 * store refuses; it never drops a state it holds.
 */
@ProviderType
public interface OffloadStore {
    /**
     * Reserves a slot.
     *
     * @throws StoreFullException when the limit does not leave room for {@code bytes}
     */
    HostSlot allocate(String sessionId, long bytes) throws StoreFullException;

    /** Returns a slot's memory; freeing a slot twice does nothing. */
    void free(HostSlot slot);

    /** @return the byte limit. */
    long capacityBytes();

    /** @return bytes held by live slots. */
    long usedBytes();

    /** @return the slabs allocated so far. */
    List<Slab> slabs();

    /**
     * Calls {@code listener} for every slab now and for every slab created later (a GPU executor
     * registers each page-locked once).
     *
     * @return a handle that stops the calls when closed
     */
    AutoCloseable onSlab(Consumer<Slab> listener);
}
