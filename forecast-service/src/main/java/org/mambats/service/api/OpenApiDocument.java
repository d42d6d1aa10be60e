package org.mambats.service.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The OpenAPI 3.0 description of the API, built from {@link ApiCatalog} (so every documented parameter is the validated one). */
public final class OpenApiDocument {
    private OpenApiDocument() {
    }

    public static ObjectNode build(ObjectMapper json, List<Endpoint> endpoints, String version) {
        ObjectNode root = json.createObjectNode();
        root.put("openapi", "3.0.3");
        root.putObject("info").put("title", "mamba-ts forecast API").put("version", version)
                .put("description", "Live and stored forecasts of the Mamba operator, market data, forecast errors and backtests. "
                        + "Times are event times of the ticks. Errors are JSON: {status, error, message}.");
        ObjectNode paths = root.putObject("paths");
        for (Endpoint e : endpoints) {
            ObjectNode get = paths.putObject(e.path()).putObject("get");
            get.put("summary", e.summary());
            get.put("operationId", operationId(e.path()));
            ArrayNode params = get.putArray("parameters");
            for (Endpoint.Param p : e.params()) {
                ObjectNode o = params.addObject();
                o.put("name", p.name()).put("in", p.in() == Endpoint.In.PATH ? "path" : "query").put("required", p.required())
                        .put("description", p.description() + " (" + p.type().format + ")");
                ObjectNode schema = o.putObject("schema").put("type", p.type().jsonType);
                if (p.type() == Endpoint.Type.BUCKET) {
                    ArrayNode en = schema.putArray("enum");
                    Buckets.NAMES.forEach(en::add);
                }
                if (p.type() == Endpoint.Type.ID) {
                    schema.put("format", "int64").put("minimum", 1);
                }
            }
            ObjectNode responses = get.putObject("responses");
            ObjectNode ok = responses.putObject("200").put("description", "OK").putObject("content").putObject(e.produces()).putObject("schema");
            if (ApiCatalog.ANSWER_ARRAYS.contains(e)) {
                ok.put("type", "array").putObject("items").put("type", "object");
            } else {
                ok.put("type", e.produces().startsWith("application/json") ? "object" : "string");
            }
            if (!e.params().isEmpty()) {
                responses.putObject("400").put("description", "invalid parameter: unknown name, bad value, empty or too long range")
                        .set("content", errorContent(json));
            }
            if (e.params().stream().anyMatch(p -> p.type() == Endpoint.Type.SYMBOL || p.type() == Endpoint.Type.ID)) {
                responses.putObject("404").put("description", "unknown symbol or run").set("content", errorContent(json));
            }
            if (e == ApiCatalog.HEALTH) {
                responses.putObject("503").put("description", "a dependency is down");
            }
        }
        ObjectNode error = root.putObject("components").putObject("schemas").putObject("Error").put("type", "object");
        ObjectNode props = error.putObject("properties");
        props.putObject("status").put("type", "integer");
        props.putObject("error").put("type", "string");
        props.putObject("message").put("type", "string");
        return root;
    }

    private static ObjectNode errorContent(ObjectMapper json) {
        ObjectNode c = json.createObjectNode();
        c.putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/Error");
        return c;
    }

    private static String operationId(String path) {
        StringBuilder b = new StringBuilder("get");
        for (String part : path.split("[/{}._]")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b.toString();
    }
}
