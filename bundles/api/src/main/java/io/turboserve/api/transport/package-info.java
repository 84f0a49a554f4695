/**
 * The migration transport SPI: moves the packed state of one session between two device allocations.
 */
@Export
@Version("1.0.0")
package io.turboserve.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
