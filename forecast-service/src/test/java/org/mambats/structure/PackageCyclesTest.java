package org.mambats.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No package of the production code depends, through any chain, on a package that depends on it: each package can
 * be read after the ones it uses. Dependencies are the project's imports and fully qualified names in code (comments
 * stripped); the whole tree is read, every module's {@code src/main/java}.
 */
class PackageCyclesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(org\\.mambats(?:\\.[a-z]\\w*)+)\\.([A-Z]\\w*)");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void theProductionPackagesFormNoCycle() throws IOException {
        Map<String, String> sources = new TreeMap<>(); // file -> text without comments
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String module : List.of("model/inference", "model", "ingest/broker", "ingest", "ingest/bench", "backtest", "forecast-service")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    sources.put(f.toString(), COMMENTS.matcher(Files.readString(f)).replaceAll(""));
                }
            }
        }
        Set<String> packages = new TreeSet<>();
        Map<String, String> packageOf = new HashMap<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Matcher m = PACKAGE.matcher(e.getValue());
            assertTrue(m.find(), "no package line in " + e.getKey());
            packageOf.put(e.getKey(), m.group(1));
            packages.add(m.group(1));
        }
        assertTrue(packages.size() > 30, "the tree was read: " + packages.size() + " packages");
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            String from = packageOf.get(e.getKey());
            Matcher m = REFERENCE.matcher(e.getValue());
            while (m.find()) {
                String to = m.group(1);
                if (packages.contains(to) && !to.equals(from)) {
                    uses.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
                }
            }
        }
        assertEquals(List.of(), cycles(packages, uses), "packages that depend on each other (each list is one cycle's members)");
    }

    /** The strongly connected components with more than one package (Tarjan's algorithm). */
    static List<List<String>> cycles(Set<String> nodes, Map<String, Set<String>> edges) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<List<String>> out = new ArrayList<>();
        for (String n : nodes) {
            if (!index.containsKey(n)) {
                connect(n, edges, index, low, stack, onStack, out);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> edges, Map<String, Integer> index, Map<String, Integer> low,
                                Deque<String> stack, Set<String> onStack, List<List<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : edges.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, edges, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component.stream().sorted().toList());
            }
        }
    }

    @Test
    void theCheckFindsACycleWhenThereIsOne() {
        Map<String, Set<String>> edges = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertEquals(List.of(List.of("a", "b", "c")), cycles(new TreeSet<>(Set.of("a", "b", "c", "d")), edges));
    }
}
