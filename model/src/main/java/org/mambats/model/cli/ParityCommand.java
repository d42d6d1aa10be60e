package org.mambats.model.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mambats.model.mamba.MambaCheckpoint;
import org.mambats.model.io.Npy;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaKernel;
import org.mambats.model.mamba.MambaSequenceForward;
import org.mambats.model.mamba.MambaState;
import org.mambats.model.mamba.MambaStepper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mamba-ts parity}: runs a checkpoint over input embeddings and writes the backbone output, by either
 * path, so it can be compared with another implementation (e.g. transformers) outside this project.
 */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Run a Hugging Face layout Mamba checkpoint over input embeddings (B, L, D) from a .npy file and write "
                + "the output after norm_f as a float32 .npy of the same shape.")
public class ParityCommand implements Callable<Integer> {
    public enum Mode { scan, step }

    @Spec
    CommandSpec spec;
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory (config.json + model.safetensors).")
    Path checkpoint;
    @Option(names = "--input", required = true, description = "Input embeddings, .npy of shape (B, L, D) or (L, D).")
    Path input;
    @Option(names = "--output", required = true, description = "Where to write the outputs (.npy, float32).")
    Path output;
    @Option(names = "--mode", defaultValue = "scan",
            description = "scan: the full-sequence forward; step: the streaming step, one vector at a time (default ${DEFAULT-VALUE}).")
    Mode mode;
    @Option(names = "--expected", description = "Optional reference output (.npy); prints max |out - expected| / max |expected| and fails above --tolerance.")
    Path expected;
    @Option(names = "--tolerance", defaultValue = "1e-4", description = "Largest accepted relative error against --expected (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Override
    public Integer call() throws Exception {
        MambaCheckpoint ckpt = MambaCheckpoint.load(checkpoint);
        MambaConfig c = ckpt.weights().config();
        Tensor in = Npy.read(input);
        int[] shape = in.shape();
        int batch, length, d;
        if (shape.length == 3) {
            batch = shape[0];
            length = shape[1];
            d = shape[2];
        } else if (shape.length == 2) {
            batch = 1;
            length = shape[0];
            d = shape[1];
        } else {
            throw new IllegalArgumentException(input + " has shape " + in.shapeString() + "; expected (B, L, D) or (L, D)");
        }
        if (d != c.dModel()) {
            throw new IllegalArgumentException(input + " has D=" + d + " but the checkpoint's hidden_size is " + c.dModel());
        }
        long start = System.nanoTime();
        float[] out = mode == Mode.scan ? new MambaSequenceForward(ckpt.weights()).forward(in.data(), batch, length, null)
                : stepAll(ckpt, in.data(), batch, length);
        double ms = (System.nanoTime() - start) / 1e6;
        Npy.write(output, new Tensor(shape, out));
        java.io.PrintWriter console = spec.commandLine().getOut();
        console.printf("%s: %d x %d x %d through %d layers in %.1f ms -> %s%n", mode, batch, length, d, c.nLayers(), ms, output);
        if (expected != null) {
            Tensor ref = Npy.read(expected);
            if (!java.util.Arrays.equals(ref.shape(), shape)) {
                throw new IllegalArgumentException(expected + " has shape " + ref.shapeString() + ", output has " + in.shapeString());
            }
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < out.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs((double) out[i] - ref.data()[i]));
                maxRef = Math.max(maxRef, Math.abs(ref.data()[i]));
            }
            double rel = maxDiff / maxRef;
            boolean ok = rel < tolerance && Double.isFinite(rel);
            console.printf("max |out - expected| = %.3e, relative to max |expected| = %.3e: %s (tolerance %.0e)%n",
                    maxDiff, rel, ok ? "OK" : "FAIL", tolerance);
            console.flush();
            return ok ? 0 : 1;
        }
        console.flush();
        return 0;
    }

    private static float[] stepAll(MambaCheckpoint ckpt, float[] in, int batch, int length) {
        MambaKernel kernel = MambaKernel.prepare(ckpt.weights());
        MambaStepper stepper = kernel.newStepper();
        int d = kernel.config().dModel();
        float[] out = new float[in.length];
        for (int b = 0; b < batch; b++) {
            MambaState state = kernel.newState();
            for (int t = 0; t < length; t++) {
                int off = (b * length + t) * d;
                stepper.step(state, in, off, 1f, out, off);
            }
        }
        return out;
    }
}
