package io.turboserve.api.provision;

/** A provisioned GPU worker: its id, what it is, and its memory for session state. */
public record GpuInfo(int id, String description, long memoryBytes) {
}
