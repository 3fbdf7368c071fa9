package io.khp.bus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

import io.khp.events.KhpEvent;

/**
 * Every released version of the KhpEvent envelope schema, kept as resources under
 * {@code io/khp/schemas/history/KhpEvent/v<N>.avsc} (listed in {@code versions.txt}). Readers decode
 * any released version into the current classes; writers always write the current one.
 */
public final class SchemaHistory implements SchemaStore {

    private static final String ROOT = "/io/khp/schemas/history/KhpEvent/";

    private final List<Schema> released;

    private SchemaHistory(List<Schema> released) {
        this.released = List.copyOf(released);
    }

    public static SchemaHistory load() {
        List<Schema> schemas = new ArrayList<>();
        for (String version : resource("versions.txt").lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            schemas.add(new Schema.Parser().parse(resource(version + ".avsc")));
        }
        if (schemas.isEmpty()) {
            throw new IllegalStateException("no released KhpEvent schema under " + ROOT);
        }
        return new SchemaHistory(schemas);
    }

    /** A history of the given versions, oldest first (tests build synthetic ones). */
    static SchemaHistory of(List<Schema> released) {
        return new SchemaHistory(released);
    }

    /** Released versions, oldest first. */
    public List<Schema> released() {
        return released;
    }

    public static Schema current() {
        return KhpEvent.getClassSchema();
    }

    /** True when the current schema is one of the released versions (nothing unreleased in the tree). */
    public boolean currentIsReleased() {
        long current = fingerprint(current());
        return released.stream().anyMatch(s -> fingerprint(s) == current);
    }

    @Override
    public Schema findByFingerprint(long fingerprint) {
        if (fingerprint(current()) == fingerprint) {
            return current();
        }
        return released.stream().filter(s -> fingerprint(s) == fingerprint).findFirst().orElse(null);
    }

    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static String resource(String name) {
        try (InputStream in = SchemaHistory.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("missing schema history resource " + ROOT + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
