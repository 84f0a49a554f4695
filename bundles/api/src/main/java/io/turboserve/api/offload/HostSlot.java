package io.turboserve.api.offload;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A contiguous range of host memory handed out by an {@link OffloadStore} for one session's state.
 * A GPU executor copies to and from {@link #address()} directly (the slab is page-locked); an
 * executor without device memory uses {@link #write} and {@link #read}.
 */
@ProviderType
public interface HostSlot {
    /** @return the session whose state the slot holds. */
    String sessionId();

    /** @return the host address of the first byte. */
    long address();

    /** @return the size in bytes. */
    long bytes();

    /** Copies {@code length} bytes of {@code src} from {@code srcOffset} into the slot at {@code offset}. */
    void write(long offset, byte[] src, int srcOffset, int length);

    /** Copies {@code length} bytes of the slot at {@code offset} into {@code dst} at {@code dstOffset}. */
    void read(long offset, byte[] dst, int dstOffset, int length);
}
