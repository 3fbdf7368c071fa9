package io.khp.verifier.match;

/**
 * One function as a host's running kernel holds it: where it is and its bytes. {@code sympos} is
 * null when the host did not say; {@code found} false when the host has no such symbol.
 */
public record CapturedCode(String objectName, String symbol, Integer sympos, boolean found, Long address, byte[] bytes) {

    public static CapturedCode at(String objectName, String symbol, long address, byte[] bytes) {
        return new CapturedCode(objectName, symbol, null, true, address, bytes);
    }

    public static CapturedCode missing(String objectName, String symbol) {
        return new CapturedCode(objectName, symbol, null, false, null, new byte[0]);
    }
}
