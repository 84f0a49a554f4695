/** Placement policies, registered as whiteboard services named by {@code policy.name}. */
@Version("1.0.0")
package io.turboserve.placement;

import org.osgi.annotation.versioning.Version;
