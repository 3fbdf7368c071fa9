package io.khp.agent.sim;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** N simulated hosts in this JVM, named {@code <prefix>-00001} …, sharing one captured fixture. */
public final class SimulatedFleet {

    private final List<SimulatedHost> hosts;
    private final Random random;

    public SimulatedFleet(String prefix, int count, RunObjectFixture fixture, TransitionModel model, Clock clock, long seed) {
        hosts = new ArrayList<>(count);
        random = new Random(seed);
        for (int i = 1; i <= count; i++) {
            hosts.add(new SimulatedHost(String.format("%s-%05d", prefix, i), fixture, model, clock, seed * 31 + i));
        }
    }

    public List<SimulatedHost> hosts() {
        return List.copyOf(hosts);
    }

    /** Reboots each host with the given probability; returns how many rebooted. */
    public int rebootSome(double probability) {
        int n = 0;
        for (SimulatedHost h : hosts) {
            if (random.nextDouble() < probability) {
                h.reboot();
                n++;
            }
        }
        return n;
    }
}
