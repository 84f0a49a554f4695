package io.turboserve.api.offload;

/** One large host allocation slots are cut from; a GPU executor registers it page-locked once. */
public record Slab(long address, long bytes) {
}
