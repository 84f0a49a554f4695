/**
 * The CUDA chunk executor: the causal video DiT of DESIGN.md section 6 on CUDA devices, with cuBLAS
 * GEMMs, element-wise and attention kernels compiled by NVRTC at start-up, one packed device buffer
 * per session state, and offload into page-locked host slabs of the offload store. Private: the
 * executor is reached as an {@code api} {@code ChunkExecutor} service.
 */
@Version("1.0.0")
package io.turboserve.gpu.cuda;

import org.osgi.annotation.versioning.Version;
