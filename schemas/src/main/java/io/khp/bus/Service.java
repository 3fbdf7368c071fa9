package io.khp.bus;

import java.util.Optional;

/** A long-running khp service: started once with the cluster's settings, stopped once on shutdown. */
public interface Service {

    /** The service's name as used in event sources, client ids and consumer groups. */
    String name();

    /** Connects and starts working; returns once the service runs. */
    void start(ClientSettings settings) throws Exception;

    /** What the service measures, served by its process on its metrics port; empty when it serves them itself. */
    default Optional<ServiceMetrics> metrics() {
        return Optional.empty();
    }

    /** Stops working and releases every resource; safe to call more than once. */
    void stop();
}
