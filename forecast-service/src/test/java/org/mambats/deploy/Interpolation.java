package org.mambats.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compose's variable interpolation, enough to know what a container receives: {@code $$}, {@code $NAME},
 * {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME-default}}, {@code ${NAME:?error}}, {@code ${NAME?error}}
 * (no nesting, which docker-compose 1.29 does not have either).
 */
final class Interpolation {
    /** One reference: the variable, its operator (":-", "-", ":?", "?", or null) and the operand. */
    record Reference(String name, String operator, String operand) {
        boolean hasDefault() {
            return operator != null && operator.endsWith("-");
        }

        boolean required() {
            return operator != null && operator.endsWith("?");
        }
    }

    private static final Pattern REFERENCE = Pattern.compile(
            "\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private Interpolation() {
    }

    /** The value with every reference replaced from {@code variables}; a required variable that is unset throws. */
    static String resolve(String value, Map<String, String> variables) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replacement(m, variables)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The references in a value, in order. */
    static List<Reference> references(String value) {
        List<Reference> refs = new ArrayList<>();
        Matcher m = REFERENCE.matcher(value);
        while (m.find()) {
            if (m.group(1) != null) {
                refs.add(new Reference(m.group(1), m.group(2), m.group(3)));
            } else if (m.group(4) != null) {
                refs.add(new Reference(m.group(4), null, null));
            }
        }
        return refs;
    }

    private static String replacement(Matcher m, Map<String, String> variables) {
        if (m.group().equals("$$")) {
            return "$";
        }
        String name = m.group(1) != null ? m.group(1) : m.group(4);
        String operator = m.group(2);
        String value = variables.get(name);
        boolean emptyCountsAsUnset = operator != null && operator.startsWith(":");
        boolean unset = value == null || (emptyCountsAsUnset && value.isEmpty());
        if (operator == null) {
            return value == null ? "" : value;
        }
        if (operator.endsWith("?")) {
            if (unset) {
                throw new IllegalArgumentException(name + " is required: " + m.group(3));
            }
            return value;
        }
        return unset ? m.group(3) : value;
    }
}
