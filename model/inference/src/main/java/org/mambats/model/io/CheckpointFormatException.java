package org.mambats.model.io;

import java.io.IOException;

/** A checkpoint, safetensors or .npy file that cannot be read as what it claims to be; the message names the problem. */
public class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
