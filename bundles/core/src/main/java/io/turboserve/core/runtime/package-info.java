/**
 * The runtime shell: runs the controller on one named actor thread and carries its effects out
 * through the executor, the offload store, the transport and the provisioner; a local provisioner
 * and an in-process transport so that a CPU machine is a complete server.
 */
@Version("1.0.0")
package io.turboserve.core.runtime;

import org.osgi.annotation.versioning.Version;
