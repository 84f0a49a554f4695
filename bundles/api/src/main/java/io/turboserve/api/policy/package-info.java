/**
 * The policy SPI: immutable cluster snapshots in, plans and the policy's next state out. Vendors implement {@link io.turboserve.api.policy.PlacementPolicy} and {@link io.turboserve.api.policy.AutoscalingPolicy} against this package alone.
 */
@Export
@Version("1.2.0")
package io.turboserve.api.policy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
