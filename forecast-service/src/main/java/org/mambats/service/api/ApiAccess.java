package org.mambats.service.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Who may read the API and the dashboard: anyone (the service listens on loopback only, or was told to run open), or
 * whoever presents the service's token.
 *
 * <p>The token is accepted two ways, so both scripts and browsers can use it: {@code Authorization: Bearer TOKEN},
 * or HTTP basic authentication with any user name and the token as the password. Basic is what makes the dashboard
 * work: the browser asks once, then sends the credentials with every request of the page, including the event
 * stream (an {@code EventSource} cannot set a header of its own).
 *
 * <p>Comparison is in constant time: both sides are hashed to SHA-256 first, so {@link MessageDigest#isEqual}
 * compares two 32-byte digests and neither the token's length nor the position of the first wrong byte shows in
 * the response time.
 */
public final class ApiAccess {
    /** Shorter tokens are refused: 16 random characters are far beyond guessing over HTTP. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** What the browser shows when it asks for the credentials. */
    static final String REALM = "mamba-ts";
    /** Paths anyone may read: a load balancer's or Docker's health check carries no credentials. */
    static final String OPEN_PATH = "/health";

    private final byte[] tokenDigest;

    private ApiAccess(byte[] tokenDigest) {
        this.tokenDigest = tokenDigest;
    }

    /** Anyone may read. */
    public static ApiAccess open() {
        return new ApiAccess(null);
    }

    /** Only requests carrying {@code token}. */
    public static ApiAccess token(String token) {
        if (token == null || token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the API token must be at least " + MIN_TOKEN_LENGTH + " characters (e.g. `openssl rand "
                    + "-hex 24`), got " + (token == null ? "none" : token.length()));
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("the API token must be printable ASCII without spaces");
        }
        return new ApiAccess(sha256(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** The token in {@code file}: its content without the trailing line break an editor or {@code echo} leaves. */
    public static ApiAccess tokenFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("API token file " + file + " does not exist or is not a file");
        }
        if (Files.size(file) > 4096) {
            throw new IllegalArgumentException("API token file " + file + " is larger than 4 KB: not a token");
        }
        return token(Files.readString(file, StandardCharsets.UTF_8).strip());
    }

    public boolean required() {
        return tokenDigest != null;
    }

    /** Whether a request to {@code path} with this {@code Authorization} header (may be null) is let through. */
    public boolean permits(String path, String authorization) {
        if (tokenDigest == null || OPEN_PATH.equals(path)) {
            return true;
        }
        byte[] presented = presentedToken(authorization);
        // Always one digest and one comparison, whether a token was presented or not.
        byte[] digest = sha256(presented == null ? new byte[0] : presented);
        return MessageDigest.isEqual(digest, tokenDigest) && presented != null;
    }

    /** The token in a bearer or basic {@code Authorization} header, or null. */
    static byte[] presentedToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.strip();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return h.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        }
        if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(h.substring(6).strip());
            } catch (IllegalArgumentException e) {
                return null;
            }
            for (int i = 0; i < decoded.length; i++) {
                if (decoded[i] == ':') {
                    return java.util.Arrays.copyOfRange(decoded, i + 1, decoded.length);
                }
            }
        }
        return null;
    }

    /** The challenge a refused request gets: browsers ask for basic credentials, scripts see that bearer works too. */
    static String challenge() {
        return "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"";
    }

    /** Whether {@code host} (a name or an address to listen on) is reachable only from this machine. */
    public static boolean loopbackOnly(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the address to listen on: " + host, e);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
