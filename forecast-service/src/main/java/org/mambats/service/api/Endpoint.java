package org.mambats.service.api;

import java.util.List;

/**
 * One HTTP endpoint as the API documents and validates it: the OpenAPI description and the request validation are
 * both made from these declarations, so they cannot drift apart.
 *
 * @param path     the route, with {@code {name}} for path parameters
 * @param summary  one line for the OpenAPI document
 * @param params   every parameter the endpoint accepts; any other query parameter is refused
 * @param produces the response media type
 */
public record Endpoint(String path, String summary, List<Param> params, String produces) {

    /** Where a parameter is given. */
    public enum In {
        QUERY, PATH
    }

    /** The value types the API accepts; each has one parser in {@link RequestParams}. */
    public enum Type {
        SYMBOL("string", "symbol: letters, digits and . _ : / - (at most 32)"),
        TIME("string", "ISO-8601 instant (2013-11-25T12:00:00Z) or epoch milliseconds"),
        HORIZON("string", "a horizon of the model, e.g. 1tick, 10s, 60s, 300s"),
        BUCKET("string", "one of " + String.join(", ", Buckets.NAMES)),
        ID("integer", "a positive integer"),
        TEXT("string", "letters, digits and . _ - (at most 64)");

        final String jsonType;
        final String format;

        Type(String jsonType, String format) {
            this.jsonType = jsonType;
            this.format = format;
        }
    }

    /** A declared parameter. */
    public record Param(String name, In in, Type type, boolean required, String description) {
        public static Param query(String name, Type type, boolean required, String description) {
            return new Param(name, In.QUERY, type, required, description);
        }

        public static Param path(String name, Type type, String description) {
            return new Param(name, In.PATH, type, true, description);
        }
    }

    public Endpoint {
        params = List.copyOf(params);
    }
}
