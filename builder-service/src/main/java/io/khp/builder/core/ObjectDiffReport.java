package io.khp.builder.core;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** REPORT.json of the object tool (kmodule/klpdiff/README.md) for one touched file. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ObjectDiffReport(String object, List<Changed> changed, List<Added> added, List<String> removed,
        List<StaticLocal> staticLocals, List<Unsupported> unsupported, long klpRelocations, long exportedRelocations,
        List<Callback> callbacks) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Changed(String symbol, String newSymbol, int sympos, String section, String sourceFile,
            byte[] preBytes, List<Relocation> relocations, List<Wildcard> wildcards) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Added(String symbol, String newSymbol) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Relocation(int offset, String type, String symbol, long addend, boolean local) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Wildcard(int offset, int length, String kind) {
    }

    /** A livepatch callback of the object: kind pre_patch, post_patch, pre_unpatch or post_unpatch. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Callback(String kind, String symbol, String newSymbol) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StaticLocal(String pre, String post) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Unsupported(String reason, String message, String symbol, String section) {
    }

    /** The JSON names "new" for added functions; Java cannot name a component "new". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Json(String object, List<Changed> changed, @com.fasterxml.jackson.annotation.JsonProperty("new") List<Added> added,
            List<String> removed, List<StaticLocal> staticLocals, List<Unsupported> unsupported, long klpRelocations,
            long exportedRelocations, List<Callback> callbacks) {
    }

    public static ObjectDiffReport parse(byte[] json) throws IOException {
        Json j = JSON.readValue(json, Json.class);
        return new ObjectDiffReport(j.object(), orEmpty(j.changed()), orEmpty(j.added()), orEmpty(j.removed()),
                orEmpty(j.staticLocals()), orEmpty(j.unsupported()), j.klpRelocations(), j.exportedRelocations(),
                orEmpty(j.callbacks()));
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
