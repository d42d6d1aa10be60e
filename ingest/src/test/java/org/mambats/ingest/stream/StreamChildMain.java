package org.mambats.ingest.stream;

import org.mambats.ingest.cli.StreamCommand;
import picocli.CommandLine;

/** Runs {@code stream} in a child JVM, so a test can kill it with SIGKILL as an operator's machine might die. */
public final class StreamChildMain {
    private StreamChildMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new StreamCommand()).execute(args));
    }
}
