package io.khp.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.khp.events.KernelIdentity;

/** A Debian kernel named as ABI-FLAVOUR (its `uname -r`), e.g. 6.1.0-56-amd64 or 6.1.0-56-cloud-amd64. */
record KernelTarget(String release, String flavour) {

    private static final Pattern DEBIAN_RELEASE = Pattern.compile("^(\\d+\\.\\d+\\.\\d+-\\d+)-([a-z0-9][a-z0-9-]*)$");

    static KernelTarget parse(String release) {
        Matcher m = DEBIAN_RELEASE.matcher(release == null ? "" : release.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + release + "' is not a Debian kernel release like 6.1.0-56-amd64 (ABI-FLAVOUR)");
        }
        return new KernelTarget(m.group(0), m.group(2));
    }

    KernelIdentity identity() {
        return KernelIdentity.newBuilder().setRelease(release).setFlavour(flavour).build();
    }
}
