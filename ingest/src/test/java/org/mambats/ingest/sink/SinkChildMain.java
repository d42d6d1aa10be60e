package org.mambats.ingest.sink;

import picocli.CommandLine;

/** Runs {@code sink} in a child JVM, so a test can kill it hard mid-stream. */
public final class SinkChildMain {
    private SinkChildMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SinkCommand()).execute(args));
    }
}
