/** Benchmarks: the policy comparison over the simulator, and JMH benchmarks of scheduling decisions. */
@Version("1.0.0")
package io.turboserve.bench;

import org.osgi.annotation.versioning.Version;
