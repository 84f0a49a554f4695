package io.turboserve.management.jolokia;

import io.turboserve.api.config.ConfigValues;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URL;
import javax.management.ObjectName;
import org.jolokia.osgi.servlet.JolokiaContext;
import org.jolokia.restrictor.PolicyRestrictor;
import org.jolokia.restrictor.Restrictor;
import org.jolokia.util.HttpMethod;
import org.jolokia.util.RequestType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The access policy of the Jolokia 1.7 OSGi agent, as a {@link Restrictor} service.
 *
 * <p>Why a service: {@code jolokia-osgi} reads its policy from {@code org.jolokia.policyLocation},
 * a URL or a {@code classpath:} path that only its own class loader (and the thread's context
 * loader) can see, so it cannot find a file inside another bundle. Started with
 * {@code org.jolokia.useRestrictorService=true} it asks every {@code Restrictor} service instead, and
 * refuses everything while there is none, so the server is never open by mistake.
 *
 * <p>The policy is {@code jolokia-access.xml} beside this class unless {@code policyLocation} names
 * another (any URL, e.g. {@code file:etc/jolokia-access.xml}); one that cannot be read or parsed
 * fails the activation, which leaves Jolokia refusing everything. On top of the policy, a request
 * that carries an {@code Origin} (or, without one, a {@code Referer}) must match one of the policy's
 * {@code <cors>} origins: that stops another web page in a local browser from calling operations,
 * while clients that send neither header (curl, scripts) pass. Jolokia's own
 * {@code <strict-checking/>} would refuse those clients too.
 *
 * <p>The component references the agent's {@link JolokiaContext} service, so it is satisfied only
 * where a Jolokia agent runs, and its classes (which need the optional Jolokia imports) are never
 * loaded elsewhere.
 */
@Component(service = Restrictor.class, immediate = true, configurationPid = JolokiaAccessPolicy.PID,
        reference = @Reference(name = "agent", service = JolokiaContext.class),
        property = "service.description=TurboServe Jolokia access policy")
@Designate(ocd = JolokiaAccessPolicy.Config.class)
public final class JolokiaAccessPolicy implements Restrictor {
    static final String PID = "io.turboserve.management.jolokia";
    static final String BUILT_IN = "jolokia-access.xml";

    private static final Logger LOG = System.getLogger(JolokiaAccessPolicy.class.getName());

    @ObjectClassDefinition(id = PID, name = "TurboServe Jolokia access policy",
            description = "The access policy Jolokia applies when started with org.jolokia.useRestrictorService=true.")
    public @interface Config {
        @AttributeDefinition(name = "Policy location", required = false,
                description = "URL of a Jolokia 1.7 policy file (e.g. file:etc/jolokia-access.xml); empty for the"
                        + " built-in policy: local clients only, no writes, no JVM diagnostic MBeans.")
        String policyLocation() default "";
    }

    private final Restrictor policy;
    private final String source;

    @Activate
    public JolokiaAccessPolicy(Config config) throws IOException {
        ConfigValues.readable(PID, Config.class, config);
        String location = config.policyLocation() == null ? "" : config.policyLocation().trim();
        this.source = location.isEmpty() ? "built-in " + BUILT_IN : location;
        try (InputStream in = location.isEmpty()
                ? JolokiaAccessPolicy.class.getResourceAsStream(BUILT_IN)
                : new URL(location).openStream()) {
            if (in == null) {
                throw new IOException("no " + BUILT_IN + " in the management bundle");
            }
            this.policy = new PolicyRestrictor(in);
        } catch (IOException | RuntimeException e) {
            // PolicyRestrictor reports a parse error as a SecurityException.
            LOG.log(Level.ERROR, "cannot load the Jolokia access policy from " + source
                    + "; Jolokia refuses every request until one loads", e);
            throw e;
        }
        LOG.log(Level.INFO, "Jolokia access policy: " + source);
    }

    /** For tests: a policy read from a stream. */
    JolokiaAccessPolicy(InputStream policy, String source) {
        this.policy = new PolicyRestrictor(policy);
        this.source = source;
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return policy.isHttpMethodAllowed(method);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return policy.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return policy.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return policy.isAttributeWriteAllowed(name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return policy.isOperationAllowed(name, operation);
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return policy.isRemoteAccessAllowed(hostOrAddress);
    }

    /**
     * Jolokia asks with {@code onlyWhenStrictCheckingIsEnabled = true} before serving a request and
     * with {@code false} to decide on the CORS answer header; both get the same answer here: no
     * origin (not a browser) passes, any other must match the policy's {@code <cors>} origins.
     */
    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return origin == null || policy.isOriginAllowed(origin, false);
    }

    @Override
    public String toString() {
        return "TurboServe Jolokia access policy (" + source + ")";
    }
}
