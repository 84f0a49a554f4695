/**
 * The tiny causal video DiT of DESIGN.md section 6 and everything a second implementation (a CUDA
 * kernel) needs to recreate it bit for bit or within tolerance: the counter-based generator of weights,
 * noise and text tokens, bf16 storage, the packed state layout. Private to this bundle.
 */
@Version("1.0.0")
package io.turboserve.executor.cpu.model;

import org.osgi.annotation.versioning.Version;
