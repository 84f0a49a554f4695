/**
 * Plain values shared by every bundle: sessions, their lifecycle and residency, GPUs, chunks and state handles.
 */
@Export
@Version("1.0.0")
package io.turboserve.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
