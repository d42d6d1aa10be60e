package org.mambats.service.api;

/**
 * A request the API refuses, with the HTTP status and a message meant for the caller. Rendered as
 * {@code {"status": 400, "error": "bad_request", "message": "..."}}; never carries a stack trace or SQL.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    public ApiException(int status, String error, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }
}
