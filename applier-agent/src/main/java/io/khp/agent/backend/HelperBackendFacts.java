package io.khp.agent.backend;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.khp.events.KernelIdentity;
import io.khp.events.LockdownMode;

/** Turns what the helper reports (release, /proc/version, lockdown) into khp's kernel identity. */
public final class HelperBackendFacts {

    private static final Pattern FLAVOUR = Pattern.compile("^\\d+\\.\\d+\\.\\d+-\\d+-(.+)$");
    private static final Pattern DEBIAN_VERSION = Pattern.compile("Debian (\\d[^ )]*)");

    private HelperBackendFacts() {
    }

    public static KernelIdentity kernel(String release, String version, String buildId) {
        Matcher flavour = FLAVOUR.matcher(release);
        Matcher debian = DEBIAN_VERSION.matcher(version);
        return KernelIdentity.newBuilder()
                .setRelease(release)
                .setFlavour(flavour.matches() ? flavour.group(1) : "unknown")
                .setSourceVersion(debian.find() ? debian.group(1) : null)
                .setBuildIdentity(buildId)
                .build();
    }

    public static LockdownMode lockdown(String mode) {
        return switch (mode) {
            case "none" -> LockdownMode.NONE;
            case "integrity" -> LockdownMode.INTEGRITY;
            case "confidentiality" -> LockdownMode.CONFIDENTIALITY;
            default -> LockdownMode.UNKNOWN;
        };
    }
}
