package org.mambats.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.io.Npy;
import org.mambats.model.io.Tensor;
import picocli.CommandLine;

/** The launcher's commands as a user types them. */
class MambaTsCommandLineTest {
    static final Path FIXTURE = Path.of("..", "model", "inference", "src", "test", "resources", "fixtures", "mamba_small");

    @TempDir
    Path tmp;

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = MambaTs.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void parityInBothModesReproducesTheReference() throws Exception {
        for (String mode : new String[] {"scan", "step"}) {
            Path outFile = tmp.resolve(mode + ".npy");
            int rc = run(new StringWriter(), new StringWriter(), "parity", "--checkpoint", FIXTURE.toString(),
                    "--input", FIXTURE.resolve("input.npy").toString(), "--output", outFile.toString(),
                    "--mode", mode, "--expected", FIXTURE.resolve("expected.npy").toString());
            assertEquals(0, rc, mode);
            Tensor out = Npy.read(outFile);
            assertArrayEquals(new int[] {1, 64, 16}, out.shape());
        }
    }

    @Test
    void parityFailsWhenTheOutputDoesNotMatch() {
        // The input stands in for the expected output: the comparison must report a failure.
        int rc = run(new StringWriter(), new StringWriter(), "parity", "--checkpoint", FIXTURE.toString(),
                "--input", FIXTURE.resolve("input.npy").toString(), "--output", tmp.resolve("o.npy").toString(),
                "--expected", FIXTURE.resolve("input.npy").toString());
        assertEquals(1, rc);
    }

    @Test
    void aMissingCheckpointIsOneClearLine() {
        StringWriter err = new StringWriter();
        int rc = run(new StringWriter(), err, "parity", "--checkpoint", tmp.resolve("nope").toString(),
                "--input", "x.npy", "--output", "y.npy");
        assertEquals(2, rc);
        assertTrue(err.toString().startsWith("error: checkpoint directory"), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : MambaTs.commandLine().getSubcommands().keySet()) {
            StringWriter out = new StringWriter();
            assertEquals(0, run(out, new StringWriter(), cmd, "--help"), cmd);
            assertTrue(out.toString().contains("Usage: mamba-ts " + cmd), out.toString());
        }
    }

    @Test
    void benchFindsEveryModulesSuitesOnTheClassPath() {
        // The model module knows none of the others: replay, stream, latency, sink and service come from META-INF/services.
        StringWriter err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "bench", "--suites", "nope"));
        assertTrue(err.toString().contains("unknown suite 'nope'; known: step, training, replay, stream, latency, sink, service"), err.toString());
    }
}
