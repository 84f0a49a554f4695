/**
 * The serving service that the HTTP gateway and the management bundle use: sessions, chunk streams, cluster status and operator operations.
 */
@Export
@Version("1.1.0")
package io.turboserve.api.serving;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
