package org.mambats.model.io;

import java.util.Arrays;
import java.util.Map;

/** A named-free float32 tensor: a shape and its values in row-major (C) order. */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        long n = elementCount(shape);
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "tensor of shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public static long elementCount(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= s;
        }
        return n;
    }

    /**
     * The values of tensor {@code name} from a checkpoint's tensors, checked: present, of exactly {@code shape},
     * and finite (a NaN weight would poison every output).
     */
    public static float[] take(Map<String, Tensor> tensors, String name, int... shape) throws CheckpointFormatException {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointFormatException("missing tensor " + name);
        }
        if (!t.hasShape(shape)) {
            throw new CheckpointFormatException("tensor " + name + " has shape " + t.shapeString() + ", expected " + Arrays.toString(shape));
        }
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new CheckpointFormatException("tensor " + name + " contains a non-finite value " + v);
            }
        }
        return t.data();
    }

    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + shapeString();
    }
}
