package io.khp.bus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Releases the current KhpEvent schema: writes it as the next version under the history folder
 * of the schemas module (argument: that module's directory), unless it is released already.
 */
public final class SchemaRelease {

    private SchemaRelease() {
    }

    public static void main(String[] args) throws IOException {
        Path history = Path.of(args.length > 0 ? args[0] : "schemas")
                .resolve("src/main/resources/io/khp/schemas/history/KhpEvent");
        Files.createDirectories(history);
        Path index = history.resolve("versions.txt");
        List<String> versions = Files.exists(index)
                ? Files.readAllLines(index).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()
                : List.of();
        long current = SchemaHistory.fingerprint(SchemaHistory.current());
        for (String v : versions) {
            var released = new org.apache.avro.Schema.Parser().parse(history.resolve(v + ".avsc").toFile());
            if (SchemaHistory.fingerprint(released) == current) {
                System.out.println("current schema is released already as " + v);
                return;
            }
        }
        String next = "v" + (versions.size() + 1);
        Files.writeString(history.resolve(next + ".avsc"), SchemaHistory.current().toString(true) + "\n", StandardCharsets.UTF_8);
        StringBuilder lines = new StringBuilder("# released KhpEvent schema versions, oldest first\n");
        versions.forEach(v -> lines.append(v).append('\n'));
        lines.append(next).append('\n');
        Files.writeString(index, lines.toString(), StandardCharsets.UTF_8);
        System.out.println("released current schema as " + next + " (fingerprint " + Long.toHexString(current) + ")");
    }
}
