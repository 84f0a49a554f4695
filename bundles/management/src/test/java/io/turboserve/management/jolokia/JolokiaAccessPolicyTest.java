package io.turboserve.management.jolokia;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.jolokia.util.HttpMethod;
import org.jolokia.util.RequestType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JolokiaAccessPolicyTest {
    private final JolokiaAccessPolicy builtIn = activate("");

    static JolokiaAccessPolicy activate(String location) {
        try {
            return new JolokiaAccessPolicy(new JolokiaAccessPolicy.Config() {
                @Override
                public Class<? extends Annotation> annotationType() {
                    return JolokiaAccessPolicy.Config.class;
                }

                @Override
                public String policyLocation() {
                    return location;
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void onlyLocalClientsGetIn() {
        assertTrue(builtIn.isRemoteAccessAllowed("localhost", "127.0.0.1"));
        assertTrue(builtIn.isRemoteAccessAllowed(null, "0:0:0:0:0:0:0:1"));
        assertFalse(builtIn.isRemoteAccessAllowed("build-7.example.org", "10.1.2.3"));
        assertFalse(builtIn.isRemoteAccessAllowed(null, "192.168.0.5"));
    }

    @Test
    void readsAndOperationsAreAllowedButNotWrites() {
        assertTrue(builtIn.isTypeAllowed(RequestType.READ));
        assertTrue(builtIn.isTypeAllowed(RequestType.EXEC));
        assertTrue(builtIn.isTypeAllowed(RequestType.LIST));
        assertTrue(builtIn.isTypeAllowed(RequestType.SEARCH));
        assertTrue(builtIn.isTypeAllowed(RequestType.VERSION));
        assertFalse(builtIn.isTypeAllowed(RequestType.WRITE));
        assertTrue(builtIn.isHttpMethodAllowed(HttpMethod.GET));
        assertTrue(builtIn.isHttpMethodAllowed(HttpMethod.POST));
    }

    @Test
    void ourOperationsAreAllowedTheJvmDiagnosticsAreNot() throws Exception {
        assertTrue(builtIn.isOperationAllowed(new ObjectName("io.turboserve:type=Cluster"), "drainGpu"));
        assertTrue(builtIn.isAttributeReadAllowed(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage"));
        assertFalse(builtIn.isOperationAllowed(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "jvmtiAgentLoad"));
        assertFalse(builtIn.isOperationAllowed(new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
                "dumpHeap"));
    }

    @Test
    void clientsWithoutAnOriginPassButOnlyLocalPagesMayCallFromABrowser() {
        assertTrue(builtIn.isOriginAllowed(null, true), "curl sends no Origin");
        assertTrue(builtIn.isOriginAllowed("http://127.0.0.1:8080", true));
        assertTrue(builtIn.isOriginAllowed("http://localhost:8080/ui/index.html", true), "a Referer");
        assertFalse(builtIn.isOriginAllowed("https://evil.example", true));
        assertFalse(builtIn.isOriginAllowed("http://127.0.0.1.evil.example", true));
        assertFalse(builtIn.isOriginAllowed("null", true), "sandboxed or file: pages");
        assertFalse(builtIn.isOriginAllowed("https://evil.example", false), "no CORS header for them either");
    }

    @Test
    void aPolicyFileReplacesTheBuiltInOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jolokia-access.xml");
        Files.writeString(file, "<restrict><remote><host>10.1.2.3</host></remote></restrict>");

        JolokiaAccessPolicy policy = activate(file.toUri().toString());

        assertTrue(policy.isRemoteAccessAllowed(null, "10.1.2.3"));
        assertFalse(policy.isRemoteAccessAllowed(null, "127.0.0.1"));
        assertTrue(policy.toString().contains(file.toUri().toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:/nonexistent/jolokia-access.xml", "not a url"})
    void anUnreadablePolicyFailsTheActivationSoJolokiaRefusesEverything(String location) {
        assertThrows(Exception.class, () -> new JolokiaAccessPolicy(new JolokiaAccessPolicy.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return JolokiaAccessPolicy.Config.class;
            }

            @Override
            public String policyLocation() {
                return location;
            }
        }));
    }

    @Test
    void aMalformedPolicyIsRefused() {
        assertThrows(SecurityException.class, () -> new JolokiaAccessPolicy(
                new ByteArrayInputStream("<restrict><remote>".getBytes(StandardCharsets.UTF_8)), "test"));
    }
}
