package io.khp.verifier.match;

/** A manifest entry that cannot be checked as given: a site outside the bytes, overlapping fields, … */
public final class InvalidManifestException extends Exception {

    public InvalidManifestException(String message) {
        super(message);
    }
}
