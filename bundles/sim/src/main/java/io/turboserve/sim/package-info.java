/**
 * The discrete-event simulator: the server's own controller and policies on a virtual clock with
 * modelled mechanisms, the workloads it replays (TurboServe lifecycle traces, the Azure request
 * trace through a session adapter, a seeded synthetic generator) and the latency models it runs
 * with, loaded as data. Used from the plain class path by the benchmark; not exported.
 */
@Version("1.2.0")
package io.turboserve.sim;

import org.osgi.annotation.versioning.Version;
