/**
 * The client HTTP API under {@code /v1}: sessions, their lifecycle and their chunks as Server-Sent
 * Events, over the serving service of {@code io.turboserve.api.serving}. Private to this bundle.
 */
@Version("1.0.0")
package io.turboserve.gateway;

import org.osgi.annotation.versioning.Version;
