/**
 * JMX management of a TurboServe server: MXBeans with open types for the cluster, each GPU, each
 * session and each policy slot, registered in the platform MBeanServer under the names of
 * DESIGN.md section 9 and kept in line with the server by a periodic refresh. Everything they
 * show and do goes through {@link io.turboserve.api.serving.ServingService}.
 */
@Version("1.0.0")
package io.turboserve.management;

import org.osgi.annotation.versioning.Version;
