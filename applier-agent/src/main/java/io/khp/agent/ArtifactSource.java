package io.khp.agent;

/** Module bytes by their hex sha256. */
public interface ArtifactSource {

    /** The bytes, or null when they have not arrived (yet). */
    byte[] find(String sha256);
}
