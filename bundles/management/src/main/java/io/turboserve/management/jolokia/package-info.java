/**
 * The default access policy of the Jolokia 1.7 OSGi agent ({@code org.jolokia:jolokia-osgi}),
 * offered as a {@code org.jolokia.restrictor.Restrictor} service that the agent consults when
 * started with {@code org.jolokia.useRestrictorService=true}. Jolokia is an optional import.
 */
@Version("1.0.0")
package io.turboserve.management.jolokia;

import org.osgi.annotation.versioning.Version;
