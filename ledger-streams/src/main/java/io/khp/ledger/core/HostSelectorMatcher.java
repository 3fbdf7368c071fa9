package io.khp.ledger.core;

import java.util.Map;
import java.util.Objects;

import io.khp.events.HostSelector;
import io.khp.state.HostState;

/**
 * Whether a host is targeted by a rollout's selector. {@code all} takes every host; otherwise every
 * criterion given (kernel release, flavour, build identity, labels, explicit hosts) must hold and at
 * least one must be given: an empty selector targets nothing.
 */
public final class HostSelectorMatcher {

    private HostSelectorMatcher() {
    }

    public static boolean matches(HostSelector selector, HostState host) {
        if (host == null || host.getKernel() == null) {
            return false;
        }
        if (selector.getAll()) {
            return true;
        }
        if (isEmpty(selector)) {
            return false;
        }
        var kernel = host.getKernel();
        if (selector.getKernelRelease() != null && !selector.getKernelRelease().equals(kernel.getRelease())) {
            return false;
        }
        if (selector.getFlavour() != null && !selector.getFlavour().equals(kernel.getFlavour())) {
            return false;
        }
        if (selector.getBuildIdentity() != null && !selector.getBuildIdentity().equals(kernel.getBuildIdentity())) {
            return false;
        }
        for (Map.Entry<String, String> label : selector.getLabels().entrySet()) {
            if (!Objects.equals(host.getLabels().get(label.getKey()), label.getValue())) {
                return false;
            }
        }
        return selector.getHosts().isEmpty() || selector.getHosts().contains(host.getHostId());
    }

    public static boolean isEmpty(HostSelector selector) {
        return !selector.getAll() && selector.getKernelRelease() == null && selector.getFlavour() == null
                && selector.getBuildIdentity() == null && selector.getLabels().isEmpty() && selector.getHosts().isEmpty();
    }

    /** The selector as one line of text. */
    public static String describe(HostSelector selector) {
        if (selector.getAll()) {
            return "all hosts";
        }
        StringBuilder s = new StringBuilder();
        if (selector.getKernelRelease() != null) {
            s.append("release=").append(selector.getKernelRelease()).append(' ');
        }
        if (selector.getFlavour() != null) {
            s.append("flavour=").append(selector.getFlavour()).append(' ');
        }
        if (selector.getBuildIdentity() != null) {
            s.append("build-id=").append(selector.getBuildIdentity()).append(' ');
        }
        selector.getLabels().forEach((k, v) -> s.append(k).append('=').append(v).append(' '));
        if (!selector.getHosts().isEmpty()) {
            s.append("hosts=").append(String.join(",", selector.getHosts()));
        }
        return s.toString().strip();
    }
}
