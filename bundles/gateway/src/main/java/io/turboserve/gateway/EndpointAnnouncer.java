package io.turboserve.gateway;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;

/**
 * Prints where the server listens, once per HTTP runtime endpoint, so that whoever started it
 * with {@code java -jar} sees the address of the API and of Jolokia on the console.
 */
@Component(immediate = true)
public final class EndpointAnnouncer {

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindRuntime(HttpServiceRuntime runtime, Map<String, Object> props) {
        for (String url : endpoints(props.get("osgi.http.endpoint"))) {
            String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            System.out.println("TurboServe listening on " + base + "/v1 (HTTP API) and " + base + "/jolokia (JMX over HTTP)");
        }
    }

    void unbindRuntime(HttpServiceRuntime runtime) {
        // nothing to undo
    }

    static List<String> endpoints(Object value) {
        List<String> list = new ArrayList<>();
        if (value instanceof String s) {
            list.add(s);
        } else if (value instanceof String[] a) {
            list.addAll(List.of(a));
        } else if (value instanceof Collection<?> c) {
            c.forEach(o -> list.add(String.valueOf(o)));
        }
        return list;
    }
}
