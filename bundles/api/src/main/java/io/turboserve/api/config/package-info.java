/**
 * Helpers for components' configurations: clear errors for values that cannot be read.
 */
@Export
@Version("1.0.0")
package io.turboserve.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
