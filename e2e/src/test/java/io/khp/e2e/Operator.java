package io.khp.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The operator at a terminal: the khp CLI run as its own process against the pipeline. */
final class Operator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;

    Operator(String bootstrap, String api, Path keys) {
        env = Map.of("KHP_BOOTSTRAP", bootstrap, "KHP_API", api, "KHP_KEYS", keys.toString(),
                "KHP_CONFIG", "/nonexistent/khp-e2e.properties");
    }

    Processes.Result khp(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.khp", "-cp", System.getProperty("java.class.path"), "io.khp.cli.KhpCli"));
        command.addAll(List.of(args));
        return Processes.run(command, Processes.repo(), env, timeout);
    }

    /** The last line of the command's output, parsed as JSON (commands print one JSON document with --json). */
    static JsonNode json(Processes.Result result) {
        String[] lines = result.out().strip().split("\n");
        try {
            return JSON.readTree(lines[lines.length - 1]);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + result.out() + "\nstderr:\n" + result.err(), e);
        }
    }
}
