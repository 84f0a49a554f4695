/**
 * The CUDA library bundle's own API: what the one-time driver probe found.
 *
 * <p>A {@link io.turboserve.cuda.CudaRuntime} service exists only when at least one CUDA device is
 * usable; a bundle that needs a GPU references it (mandatory) and so stays inactive without one. A
 * {@link io.turboserve.cuda.CudaStatus} service is always registered and says why CUDA is or is not
 * available. The JavaCPP and CUDA preset packages ({@code org.bytedeco.javacpp.*},
 * {@code org.bytedeco.cuda.*}) are exported by the same bundle.
 *
 * <p>Exported without a substitutable import: this bundle is the only provider, because the JNI
 * libraries behind these types can be loaded by one class loader only.
 */
@Export(substitution = Export.Substitution.NOIMPORT)
@Version("1.1.0")
package io.turboserve.cuda;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
