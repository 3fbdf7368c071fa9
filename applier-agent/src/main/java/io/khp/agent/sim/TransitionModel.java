package io.khp.agent.sim;

import java.time.Duration;
import java.util.Random;

/**
 * How simulated livepatch transitions behave: the time tasks take to switch (log-normal around a
 * median), the probability that a task blocks the transition until it is reversed (a stall), and how
 * long a reversal takes.
 */
public record TransitionModel(Duration medianTransition, double spread, double stallProbability, Duration reverseTime) {

    public TransitionModel {
        if (stallProbability < 0 || stallProbability > 1) {
            throw new IllegalArgumentException("stall probability must be within [0, 1], got " + stallProbability);
        }
    }

    public static TransitionModel of(Duration median, double stallProbability) {
        return new TransitionModel(median, 0.5, stallProbability, median.dividedBy(2));
    }

    public Duration sampleTransition(Random random) {
        double factor = Math.exp(spread * random.nextGaussian());
        return Duration.ofMillis(Math.max(1, Math.round(medianTransition.toMillis() * factor)));
    }

    public boolean sampleStall(Random random) {
        return random.nextDouble() < stallProbability;
    }
}
