package io.khp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `khp` commands implemented in Java; the launcher script hands them over through infra/commands. */
@Command(name = "khp", mixinStandardHelpOptions = true, version = "khp 0.1.0",
        subcommands = {BuildCommand.class, RolloutCommand.class, RevertCommand.class, StatusCommand.class,
                HostsCommand.class, AuditCommand.class, TopicsCommand.class, EventsCommand.class, BusTourCommand.class})
public final class KhpCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Exit codes: 0 done, 1 the outcome was a failure (build failed, rollout halted), 2 bad usage or
     *  input, 3 timed out waiting, 4 khp or Kafka could not be reached or failed. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new KhpCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("khp " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return e instanceof IllegalArgumentException || e instanceof java.nio.file.NoSuchFileException ? 2 : 4;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
