package io.khp.verifier.match;

import io.khp.events.WildcardKind;

/** Bytes the kernel rewrites at boot or run time; only their shape is checked, never their value. */
public record Wildcard(int offset, int length, WildcardKind kind) {

    public int end() {
        return offset + length;
    }
}
