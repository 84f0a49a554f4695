/**
 * The chunk executor SPI: a coalesced batch in, per-session outputs and timings out; executors own the memory that holds resident session state.
 */
@Export
@Version("1.1.0")
package io.turboserve.api.executor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
