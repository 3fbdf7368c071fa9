package io.khp.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.khp.events.HostSelector;
import io.khp.events.WaveSize;
import io.khp.events.WaveUnit;

/** Parses the operator's rollout words: selector expressions and wave lists. */
final class RolloutSpec {

    private RolloutSpec() {
    }

    /**
     * Selector expressions, all of which a host must meet: {@code all}, {@code kernel=RELEASE},
     * {@code flavour=F}, {@code build=BUILD_ID}, {@code label=K=V}, {@code hosts=a,b}.
     */
    static HostSelector selector(List<String> expressions) {
        if (expressions.isEmpty()) {
            throw new IllegalArgumentException("--select is required (all, kernel=…, flavour=…, label=k=v, hosts=a,b)");
        }
        HostSelector.Builder selector = HostSelector.newBuilder();
        Map<String, String> labels = new HashMap<>();
        List<String> hosts = new ArrayList<>();
        for (String expression : expressions) {
            String e = expression.strip();
            if (e.equals("all")) {
                selector.setAll(true);
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException("selector '" + expression + "' is not all, kernel=…, flavour=…, build=…, label=k=v or hosts=a,b");
            }
            String key = e.substring(0, eq);
            String value = e.substring(eq + 1);
            switch (key) {
                case "kernel" -> selector.setKernelRelease(value);
                case "flavour", "flavor" -> selector.setFlavour(value);
                case "build" -> selector.setBuildIdentity(value);
                case "label" -> {
                    int leq = value.indexOf('=');
                    if (leq <= 0 || leq == value.length() - 1) {
                        throw new IllegalArgumentException("label selector '" + expression + "' must be label=KEY=VALUE");
                    }
                    labels.put(value.substring(0, leq), value.substring(leq + 1));
                }
                case "hosts" -> {
                    for (String h : value.split(",")) {
                        if (h.isBlank()) {
                            throw new IllegalArgumentException("empty host id in '" + expression + "'");
                        }
                        hosts.add(h.strip());
                    }
                }
                default -> throw new IllegalArgumentException("unknown selector '" + key + "' in '" + expression + "'");
            }
        }
        return selector.setLabels(labels).setHosts(hosts).build();
    }

    /** A comma-separated wave list: host counts ({@code 1}) or percentages of the selection ({@code 50%}). */
    static List<WaveSize> waves(String list) {
        List<WaveSize> waves = new ArrayList<>();
        for (String part : list.split(",")) {
            String p = part.strip();
            boolean percent = p.endsWith("%");
            String digits = percent ? p.substring(0, p.length() - 1) : p;
            int value;
            try {
                value = Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("wave '" + part + "' is neither a host count nor a percentage");
            }
            if (value <= 0 || (percent && value > 100)) {
                throw new IllegalArgumentException("wave '" + part + "' must be a positive count or a percentage in 1..100");
            }
            waves.add(WaveSize.newBuilder().setUnit(percent ? WaveUnit.PERCENT : WaveUnit.HOSTS).setValue(value).build());
        }
        return waves;
    }

    private static final java.util.regex.Pattern SHORT_DURATION = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)");

    /**
     * A timeout of the rollout policy: a number with a unit ({@code 90s}, {@code 10m}, {@code 1h},
     * {@code 500ms}) or an ISO-8601 duration ({@code PT10M}); positive.
     */
    static java.time.Duration timeout(String option, String text) {
        String t = text.strip();
        java.time.Duration d;
        var m = SHORT_DURATION.matcher(t);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> java.time.Duration.ofMillis(n);
                    case "s" -> java.time.Duration.ofSeconds(n);
                    case "m" -> java.time.Duration.ofMinutes(n);
                    default -> java.time.Duration.ofHours(n);
                };
            } else {
                d = java.time.Duration.parse(t);
            }
        } catch (java.time.format.DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a duration such as 90s, 10m, 1h or PT10M");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(option + " '" + text + "' must be positive");
        }
        return d;
    }
}
