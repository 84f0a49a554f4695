/**
 * The host offload store SPI: slots of host memory, handed out by address and size, under a hard byte limit.
 */
@Export
@Version("1.0.0")
package io.turboserve.api.offload;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
