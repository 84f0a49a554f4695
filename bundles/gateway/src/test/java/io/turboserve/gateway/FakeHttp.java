package io.turboserve.gateway;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Minimal fakes of the servlet request and response, as dynamic proxies: only what the gateway
 * calls is answered, anything else fails the test with the method's name.
 */
final class FakeHttp {
    private FakeHttp() {
    }

    static final class Request {
        String method;
        String pathInfo;
        String contentType;
        long contentLength;
        byte[] body = new byte[0];
        boolean bodyRead;
        final Map<String, String> parameters = new HashMap<>();
        final Map<String, String> headers = new HashMap<>();

        Request(String method, String pathInfo) {
            this.method = method;
            this.pathInfo = pathInfo;
        }

        static Request get(String path) {
            return new Request("GET", path);
        }

        static Request post(String path) {
            return new Request("POST", path);
        }

        /** A JSON body with its Content-Length. */
        static Request post(String path, String json) {
            return new Request("POST", path).body("application/json", json.getBytes(StandardCharsets.UTF_8), false);
        }

        Request body(String type, byte[] bytes, boolean chunked) {
            this.contentType = type;
            this.body = bytes;
            this.contentLength = chunked ? -1 : bytes.length;
            return this;
        }

        Request parameter(String name, String value) {
            parameters.put(name, value);
            return this;
        }

        Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        HttpServletRequest proxy() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            ServletInputStream stream = new ServletInputStream() {
                @Override
                public int read() {
                    bodyRead = true;
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    bodyRead = true;
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException();
                }
            };
            return (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                    new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "getMethod" -> method;
                        case "getPathInfo" -> pathInfo;
                        case "getServletPath" -> "/v1";
                        case "getContextPath" -> "";
                        case "getContentType" -> contentType;
                        case "getContentLengthLong" -> contentLength;
                        case "getContentLength" -> (int) contentLength;
                        case "getInputStream" -> stream;
                        case "getParameter" -> parameters.get((String) args[0]);
                        case "getHeader" -> headers.entrySet().stream()
                                .filter(h -> h.getKey().equalsIgnoreCase((String) args[0])).map(Map.Entry::getValue)
                                .findFirst().orElse(null);
                        case "toString" -> method + " /v1" + pathInfo;
                        default -> throw new UnsupportedOperationException("request." + m.getName());
                    });
        }
    }

    static final class Response {
        int status = 200;
        String contentType;
        String characterEncoding;
        final Map<String, String> headers = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean committed;
        int flushes;
        /** The flush at which the client "goes away" (an IOException), or -1. */
        int failAtFlush = -1;

        HttpServletResponse proxy() {
            ServletOutputStream stream = new ServletOutputStream() {
                @Override
                public void write(int b) {
                    body.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    body.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    flushes++;
                    if (flushes == failAtFlush) {
                        throw new IOException("Broken pipe");
                    }
                    committed = true;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new UnsupportedOperationException();
                }
            };
            return (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> {
                        switch (m.getName()) {
                            case "setStatus" -> status = (Integer) args[0];
                            case "getStatus" -> {
                                return status;
                            }
                            case "setContentType" -> contentType = (String) args[0];
                            case "setCharacterEncoding" -> characterEncoding = (String) args[0];
                            case "setHeader" -> headers.put((String) args[0], (String) args[1]);
                            case "getHeader" -> {
                                return headers.get((String) args[0]);
                            }
                            case "setContentLength" -> headers.put("Content-Length", String.valueOf(args[0]));
                            case "getOutputStream" -> {
                                return stream;
                            }
                            case "isCommitted" -> {
                                return committed;
                            }
                            case "flushBuffer" -> committed = true;
                            case "toString" -> {
                                return "response " + status;
                            }
                            default -> throw new UnsupportedOperationException("response." + m.getName());
                        }
                        return null;
                    });
        }

        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> json() throws JsonSyntaxException {
            return (Map<String, Object>) Json.parse(text());
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> error() throws JsonSyntaxException {
            return (Map<String, Object>) json().get("error");
        }
    }
}
