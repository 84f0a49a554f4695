/** An example vendor placement policy. */
@Version("1.0.0")
package com.example.turboserve.packfirst;

import org.osgi.annotation.versioning.Version;
