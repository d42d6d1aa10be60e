package org.mambats.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format: magic {@code \x93NUMPY}, version, header length, a Python-dict header with
 * {@code descr}, {@code fortran_order} and {@code shape}, then the raw values. Reads little-endian float32 and
 * float64 (converted to float32) in C order; writes float32, version 1.0.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static Tensor read(Path file) throws IOException {
        try {
            return parse(Files.readAllBytes(file));
        } catch (CheckpointFormatException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
    }

    public static Tensor parse(byte[] bytes) throws CheckpointFormatException {
        if (bytes.length < 10) {
            throw new CheckpointFormatException("not a .npy file: too short");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new CheckpointFormatException("not a .npy file: bad magic");
            }
        }
        int major = bytes[6] & 0xff;
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            headerLen = buf.getInt(8);
            headerStart = 12;
        } else {
            throw new CheckpointFormatException("unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + headerLen > bytes.length) {
            throw new CheckpointFormatException(".npy header length " + headerLen + " exceeds the file");
        }
        String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr");
        if ("True".equals(group(FORTRAN, header, "fortran_order"))) {
            throw new CheckpointFormatException(".npy arrays in Fortran order are not supported");
        }
        String[] dims = group(SHAPE, header, "shape").split(",");
        int rank = 0;
        int[] shape = new int[dims.length];
        for (String d : dims) {
            if (!d.isBlank()) {
                try {
                    shape[rank++] = Integer.parseInt(d.trim());
                } catch (NumberFormatException e) {
                    throw new CheckpointFormatException(".npy shape has a bad dimension '" + d.trim() + "'");
                }
            }
        }
        shape = java.util.Arrays.copyOf(shape, rank);
        long count = Tensor.elementCount(shape);
        int dataStart = headerStart + headerLen;
        int width = switch (descr) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            default -> throw new CheckpointFormatException(".npy dtype " + descr + " is not supported (need <f4 or <f8)");
        };
        if (bytes.length - dataStart != count * width) {
            throw new CheckpointFormatException(".npy data holds " + (bytes.length - dataStart) + " bytes, shape needs " + count * width);
        }
        float[] data = new float[(int) count];
        ByteBuffer body = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(dataStart);
        if (width == 4) {
            body.asFloatBuffer().get(data);
        } else {
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) body.getDouble();
            }
        }
        return new Tensor(shape, data);
    }

    private static String group(Pattern p, String header, String key) throws CheckpointFormatException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new CheckpointFormatException(".npy header has no valid '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    /** Python's spelling of a shape tuple: {@code ()}, {@code (3,)}, {@code (1, 64, 16)}. */
    private static String pythonTuple(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Writes a float32 {@code .npy}, version 1.0, header padded so the data starts on a 64-byte boundary. */
    public static void write(Path file, Tensor tensor) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + pythonTuple(tensor.shape()) + ", }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + 4 * tensor.data().length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        out.asFloatBuffer().put(tensor.data());
        Files.write(file, out.array());
    }
}
