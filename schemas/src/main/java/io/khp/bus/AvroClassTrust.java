package io.khp.bus;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro refuses to instantiate classes it does not trust when it reads specific records; this adds
 * khp's generated classes (packages io.khp.*) to what it trusts, once per JVM.
 */
public final class AvroClassTrust {

    private static boolean installed;

    private AvroClassTrust() {
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
                ClassSecurityValidator.getGlobal(),
                type -> type.getName().startsWith("io.khp.")));
        installed = true;
    }
}
