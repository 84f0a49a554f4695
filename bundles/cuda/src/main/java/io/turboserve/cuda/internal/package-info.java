/**
 * The probe component and its native calls. Private to the bundle: other bundles see only
 * {@link io.turboserve.cuda.CudaRuntime} and {@link io.turboserve.cuda.CudaStatus} services.
 */
package io.turboserve.cuda.internal;
