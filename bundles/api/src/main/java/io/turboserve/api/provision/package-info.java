/**
 * The GPU provisioner SPI: acquires and releases GPU workers.
 */
@Export
@Version("1.0.0")
package io.turboserve.api.provision;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
