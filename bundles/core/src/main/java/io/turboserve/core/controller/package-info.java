/**
 * The controller: a deterministic state machine {@code (state, event, now) -> (state', effects)}
 * that the server's runtime shell and the simulator both drive. Exported (the one package of
 * {@code core} that is) so that the simulator runs the very same controller.
 */
@Export
@Version("1.3.0")
package io.turboserve.core.controller;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
