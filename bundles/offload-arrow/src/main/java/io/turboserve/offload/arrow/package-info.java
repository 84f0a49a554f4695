/**
 * The host offload store: session state in Apache Arrow off-heap slabs under a hard byte limit.
 * Private to this bundle; other bundles see only {@link io.turboserve.api.offload.OffloadStore}.
 */
@Version("1.0.0")
package io.turboserve.offload.arrow;

import org.osgi.annotation.versioning.Version;
