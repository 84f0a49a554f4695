package io.turboserve.offload.arrow;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.offload.Slab;
import io.turboserve.api.offload.StoreFullException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The host offload store: slots cut from large Arrow off-heap slabs under a hard byte limit.
 *
 * <p>Two limits are enforced, both against {@code capacityBytes}: the bytes reserved by live slots
 * (what a client can count on) and the bytes held in slabs (what the process really took from the
 * system). A slot up to {@code slabBytes} is cut first-fit from an existing slab, else from a new
 * one sized to hold a whole number of such slots (at most {@code slabBytes}); a larger slot gets a dedicated slab of its own size. Slabs are kept when they empty (unless
 * configured otherwise) and reused. When a full slab no longer fits under the limit, a smaller tail
 * slab takes the rest, so the whole limit is usable. A request that fits no way is refused with a {@link StoreFullException} and nothing changes: a stored state is never
 * dropped to make room.
 *
 * <p>Slab memory is not zeroed: an executor overwrites a whole state before reading it back.
 *
 * <p>The component is immediate: a delayed one would be deactivated, and the state it holds thrown
 * away, whenever its last consumer let go of it (for example while the controller bundle is updated).
 *
 * <p>Slabs are announced to {@link #onSlab} listeners while the store's lock is held, before the
 * allocation that created them returns: a GPU executor registers a slab page-locked before any copy
 * into it can start. A listener must therefore be quick and must not wait for another thread that
 * uses this store.
 */
@Component(service = OffloadStore.class, configurationPid = ArrowOffloadStore.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = ArrowOffloadStore.Config.class)
public final class ArrowOffloadStore implements OffloadStore {
    /** The ConfigAdmin PID. */
    public static final String PID = "io.turboserve.offload.arrow.store";

    /**
     * Slots start on 64-byte boundaries of their slab: a cache line, and the alignment vectorised
     * copies and DMA engines are happiest with.
     */
    static final long ALIGNMENT = 64;

    private static final System.Logger LOG = System.getLogger(ArrowOffloadStore.class.getName());

    @ObjectClassDefinition(name = "TurboServe Arrow offload store",
            description = "Host memory for the state of sessions that are not on a GPU.")
    public @interface Config {
        @AttributeDefinition(name = "Capacity (bytes)", min = "64",
                description = "Hard limit on host memory for offloaded state, in bytes. Default 1073741824 (1 GiB),"
                        + " the embedded CPU default of DESIGN.md section 9. Lowering it below what is held"
                        + " drops nothing: new slots are refused until enough is freed.")
        long capacityBytes() default 1L << 30;

        @AttributeDefinition(name = "Slab size (bytes)", min = "64",
                description = "Size of the slabs slots are cut from, a multiple of 64. Default 67108864 (64 MiB):"
                        + " few enough slabs that page-locking each one once is cheap, small enough that"
                        + " the tail of the limit is not wasted. A slot larger than this gets its own slab.")
        long slabBytes() default 64L << 20;

        @AttributeDefinition(name = "Release empty slabs",
                description = "Return a slab to the system once its last slot is freed. Default false: the"
                        + " OffloadStore API cannot tell a GPU executor that a slab it registered page-locked"
                        + " is gone, so slabs are kept (and reused) for the life of the store.")
        boolean releaseEmptySlabs() default false;
    }

    /** Validated configuration. */
    record Settings(long capacityBytes, long slabBytes, boolean releaseEmptySlabs) {
    }

    private final Object lock = new Object();
    private final AtomicReference<Settings> settings;
    private final BufferAllocator allocator;
    // Everything below is guarded by lock.
    private final List<ArenaSlab> slabs = new ArrayList<>();
    private final Set<ArrowHostSlot> live = new LinkedHashSet<>();
    private final List<Consumer<Slab>> listeners = new ArrayList<>();
    private long usedBytes;
    private long reservedBytes;
    private long heldBytes;
    private int nextSlabId;
    private boolean closed;

    @Activate
    public ArrowOffloadStore(Config config) {
        this(ConfigValues.orDefaults(PID, Config.class, config, ArrowOffloadStore::configure));
    }

    ArrowOffloadStore(Settings initial) {
        this.settings = new AtomicReference<>(initial);
        // The unsafe allocation manager is named explicitly: Arrow's default lookup tries netty first,
        // which is not in this bundle. Rounding is switched off (Arrow rounds small buffers up to a
        // power of two), so a slab takes exactly what the accounting says it takes.
        this.allocator = new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
                .roundingPolicy(requested -> requested)
                .maxAllocation(initial.capacityBytes())
                .build());
        LOG.log(Level.INFO, () -> "offload store ready: capacity " + initial.capacityBytes() + " bytes, slabs of "
                + initial.slabBytes() + " bytes");
    }

    /**
     * Applies a new configuration. A larger limit takes effect at once; a smaller one refuses new
     * slots until enough is freed; a new slab size applies to slabs created from now on.
     */
    @Modified
    void modified(Config config) {
        Settings next = configure(config);
        synchronized (lock) {
            settings.set(next);
            if (!closed) {
                allocator.setLimit(next.capacityBytes());
            }
        }
        LOG.log(Level.INFO, () -> "offload store reconfigured: capacity " + next.capacityBytes()
                + " bytes, slabs of " + next.slabBytes() + " bytes");
    }

    /** Validates a configuration; the exception names every value it rejects. */
    static Settings configure(Config config) {
        ConfigValues.readable(PID, Config.class, config);
        List<String> rejected = new ArrayList<>();
        if (config.capacityBytes() < ALIGNMENT) {
            rejected.add("capacityBytes must be at least " + ALIGNMENT + ", got " + config.capacityBytes());
        }
        if (config.slabBytes() < ALIGNMENT || config.slabBytes() % ALIGNMENT != 0) {
            rejected.add("slabBytes must be a positive multiple of " + ALIGNMENT + ", got " + config.slabBytes());
        }
        if (!rejected.isEmpty()) {
            throw new IllegalArgumentException(PID + ": " + String.join("; ", rejected));
        }
        return new Settings(config.capacityBytes(), config.slabBytes(), config.releaseEmptySlabs());
    }

    @Override
    public HostSlot allocate(String sessionId, long bytes) throws StoreFullException {
        Objects.requireNonNull(sessionId, "sessionId");
        if (bytes < 0) {
            throw new IllegalArgumentException("slot size must not be negative: " + bytes);
        }
        long reservation = reservationFor(bytes);
        synchronized (lock) {
            ensureOpen();
            Settings limits = settings.get();
            long free = Math.max(0, limits.capacityBytes() - reservedBytes);
            if (reservation > free) {
                throw full(sessionId, bytes, free, limits, "");
            }
            boolean large = reservation > limits.slabBytes();
            long room = limits.capacityBytes() - heldBytes;
            // A small slot tries the regular slabs, then a new regular slab, and only then the retained
            // dedicated slabs, so it does not split one that a large slot may need again.
            ArenaSlab slab = large ? null : firstFit(false, reservation);
            // A new regular slab holds a whole number of such slots: 64 MiB slabs would hold three
            // states of 16 MiB + 64 bytes and waste a quarter of the limit.
            long regular = limits.slabBytes() - limits.slabBytes() % reservation;
            if (slab == null && !large && regular <= room) {
                slab = newSlab(sessionId, bytes, free, regular, false);
            }
            if (slab == null) {
                slab = firstFit(true, reservation);
            }
            if (slab == null) {
                // A dedicated slab of the slot's size, or for a small slot a tail slab: the rest of the
                // limit, when a full slab no longer fits but the slot does.
                long size = large ? reservation : room - room % ALIGNMENT;
                if (size > room || size < reservation) {
                    throw full(sessionId, bytes, free, limits,
                            " (the free space is split across slabs; the largest free range is "
                                    + largestFreeRange() + " bytes and " + Math.max(0, room)
                                    + " bytes are left for new slabs)");
                }
                slab = newSlab(sessionId, bytes, free, size, large);
            }
            long offset = slab.free.take(reservation);
            return track(new ArrowHostSlot(this, slab, sessionId, offset, bytes, reservation));
        }
    }

    /** @return the first slab of the kind with a free range of {@code reservation} bytes, or null. */
    private ArenaSlab firstFit(boolean dedicated, long reservation) {
        for (ArenaSlab slab : slabs) {
            if (slab.dedicated == dedicated && slab.free.largestRange() >= reservation) {
                return slab;
            }
        }
        return null;
    }

    /** Creates and announces a slab; called with the lock held. */
    private ArenaSlab newSlab(String sessionId, long bytes, long free, long size, boolean dedicated)
            throws StoreFullException {
        ArrowBuf buffer;
        try {
            buffer = allocator.buffer(size);
        } catch (OutOfMemoryException | OutOfMemoryError e) {
            // Arrow's own limit (a backstop to the accounting above) or the system refusing memory.
            StoreFullException refusal = new StoreFullException("offload store cannot take " + size
                    + " more bytes of host memory for session " + sessionId + ": " + e.getMessage(), bytes, free);
            refusal.initCause(e);
            throw refusal;
        }
        ArenaSlab slab = new ArenaSlab(nextSlabId++, buffer, dedicated);
        slabs.add(slab);
        heldBytes += size;
        LOG.log(Level.DEBUG, () -> "offload store created " + slab + " at 0x" + Long.toHexString(slab.info.address()));
        for (Consumer<Slab> listener : listeners) {
            announce(listener, slab);
        }
        return slab;
    }

    private ArrowHostSlot track(ArrowHostSlot slot) {
        live.add(slot);
        usedBytes += slot.bytes();
        reservedBytes += slot.reservation;
        return slot;
    }

    private StoreFullException full(String sessionId, long bytes, long free, Settings limits, String detail) {
        String message = "offload store full: session " + sessionId + " needs " + bytes + " bytes, " + free
                + " of " + limits.capacityBytes() + " bytes are free" + detail;
        LOG.log(Level.DEBUG, () -> message);
        return new StoreFullException(message, bytes, free);
    }

    private long largestFreeRange() {
        long largest = 0;
        for (ArenaSlab slab : slabs) {
            largest = Math.max(largest, slab.free.largestRange());
        }
        return largest;
    }

    /** @return {@code bytes} rounded up to the alignment, at least one unit so every slot has its own address. */
    static long reservationFor(long bytes) {
        if (bytes > Long.MAX_VALUE - ALIGNMENT) {
            return Long.MAX_VALUE; // larger than any capacity: refused as such
        }
        long units = Math.max(1, (bytes + ALIGNMENT - 1) / ALIGNMENT);
        return units * ALIGNMENT;
    }

    @Override
    public void free(HostSlot slot) {
        Objects.requireNonNull(slot, "slot");
        if (!(slot instanceof ArrowHostSlot ours) || ours.owner != this) {
            throw new IllegalArgumentException("not a slot of this store: " + slot);
        }
        // Outside the store's lock: waits only for copies into this one slot.
        if (!ours.markFreed()) {
            return;
        }
        synchronized (lock) {
            if (closed || !live.remove(ours)) {
                return;
            }
            usedBytes -= ours.bytes();
            reservedBytes -= ours.reservation;
            ArenaSlab slab = ours.slab;
            slab.free.give(ours.offset, ours.reservation);
            if (slab.free.isEmpty() && settings.get().releaseEmptySlabs()) {
                slabs.remove(slab);
                heldBytes -= slab.bytes();
                slab.buffer.close();
                LOG.log(Level.DEBUG, () -> "offload store released " + slab);
            }
        }
    }

    @Override
    public long capacityBytes() {
        return settings.get().capacityBytes();
    }

    @Override
    public long usedBytes() {
        synchronized (lock) {
            return usedBytes;
        }
    }

    /** @return bytes held in slabs, live or free; at most the capacity the slabs were created under. */
    long heldBytes() {
        synchronized (lock) {
            return heldBytes;
        }
    }

    @Override
    public List<Slab> slabs() {
        synchronized (lock) {
            List<Slab> result = new ArrayList<>(slabs.size());
            for (ArenaSlab slab : slabs) {
                result.add(slab.info);
            }
            return List.copyOf(result);
        }
    }

    @Override
    public AutoCloseable onSlab(Consumer<Slab> listener) {
        Objects.requireNonNull(listener, "listener");
        // A wrapper per subscription, so the same listener subscribed twice is unsubscribed once per close.
        Consumer<Slab> subscription = listener::accept;
        synchronized (lock) {
            ensureOpen();
            listeners.add(subscription);
            for (ArenaSlab slab : slabs) {
                announce(subscription, slab);
            }
        }
        return () -> {
            synchronized (lock) {
                listeners.remove(subscription);
            }
        };
    }

    private static void announce(Consumer<Slab> listener, ArenaSlab slab) {
        try {
            listener.accept(slab.info);
        } catch (RuntimeException e) {
            // The slab is usable without the listener's registration (copies are merely slower);
            // failing the allocation for it would refuse a session the store can hold.
            LOG.log(Level.WARNING, "a slab listener failed on " + slab, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the offload store is closed");
        }
    }

    /** Frees every slab and the allocator. The state of sessions still offloaded here is lost. */
    @Deactivate
    void close() {
        List<ArrowHostSlot> remaining;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            remaining = new ArrayList<>(live);
            if (!live.isEmpty()) {
                LOG.log(Level.WARNING, "offload store closing with " + live.size() + " slots holding " + usedBytes
                        + " bytes; their state is discarded");
            }
        }
        for (ArrowHostSlot slot : remaining) {
            slot.markFreed(); // waits for a copy in flight, so no slab closes under it
        }
        synchronized (lock) {
            for (ArenaSlab slab : slabs) {
                slab.buffer.close();
            }
            slabs.clear();
            live.clear();
            listeners.clear();
            usedBytes = 0;
            reservedBytes = 0;
            heldBytes = 0;
            allocator.close();
        }
    }
}
