/**
 * The reference executors: {@link io.turboserve.executor.cpu.CpuChunkExecutor} runs the tiny model of
 * DESIGN.md section 6 in plain Java, {@link io.turboserve.executor.cpu.ModelledChunkExecutor} only
 * takes the time a latency profile says a step takes. Both keep session state in byte arrays that
 * stand in for device memory. Private to this bundle.
 */
@Version("1.0.0")
package io.turboserve.executor.cpu;

import org.osgi.annotation.versioning.Version;
