package io.khp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `khp` commands implemented in Java; the launcher script hands them over through infra/commands. */
@Command(name = "khp", mixinStandardHelpOptions = true, version = "khp 0.1.0",
        subcommands = {TopicsCommand.class, EventsCommand.class, BusTourCommand.class})
public final class KhpCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new KhpCli()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
