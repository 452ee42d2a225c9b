import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Merges PIT's {@code mutations.xml} reports of the two halves of mutation testing into one score per package: the
 * unit-test run ({@code -Pmutation}, one report per module) and the live-store run ({@code -Pmutation-live}, ITs
 * against the real services, {@code --live FILE}). A mutant is the same in both when its class, method, descriptor,
 * line, mutator and instruction indexes are; it is killed when either run detected it (KILLED, TIMED_OUT or
 * MEMORY_ERROR). Prints a Markdown table (unit, IT, together) and every surviving mutant; exits 1 when a package is
 * below {@code --threshold} percent (default 85). Run by {@code scripts/mutation-score}:
 *
 * <pre>java scripts/MutationScore.java [--threshold 85] UNIT.xml... --live LIVE.xml...</pre>
 */
public final class MutationScore {
    private static final Set<String> DETECTED = Set.of("KILLED", "TIMED_OUT", "MEMORY_ERROR");

    record Mutant(String className, String method, String descriptor, int line, String mutator, String indexes,
                  String description) {
        String pkg() {
            String name = className.substring(0, className.lastIndexOf('.'));
            return name.startsWith("io.killkrill.") ? name.substring("io.killkrill.".length()) : name;
        }

        String where() {
            String simple = className.substring(className.lastIndexOf('.') + 1);
            return simple + "." + method + ":" + line;
        }
    }

    static final class Verdict {
        boolean unit;
        boolean live;
        boolean inLiveRun;

        boolean killed() {
            return unit || live;
        }
    }

    private MutationScore() {
    }

    public static void main(String[] args) throws Exception {
        double threshold = 85;
        List<Path> unit = new ArrayList<>();
        List<Path> live = new ArrayList<>();
        boolean liveFiles = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threshold" -> threshold = Double.parseDouble(args[++i]);
                case "--live" -> liveFiles = true;
                default -> (liveFiles ? live : unit).add(Path.of(args[i]));
            }
        }
        if (unit.isEmpty()) {
            System.err.println("mutation-score: no unit-test report given"
                    + " (usage: MutationScore.java [--threshold N] UNIT.xml... --live LIVE.xml...)");
            System.exit(2);
        }
        Map<Mutant, Verdict> mutants = new LinkedHashMap<>();
        for (Path file : unit) {
            read(file, (mutant, detected) -> mutants.computeIfAbsent(mutant, m -> new Verdict()).unit |= detected);
        }
        for (Path file : live) {
            read(file, (mutant, detected) -> {
                Verdict verdict = mutants.computeIfAbsent(mutant, m -> new Verdict());
                verdict.inLiveRun = true;
                verdict.live |= detected;
            });
        }
        System.exit(report(mutants, threshold) ? 0 : 1);
    }

    interface Sink {
        void accept(Mutant mutant, boolean detected);
    }

    private static void read(Path file, Sink sink) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no PIT report at " + file);
        }
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        NodeList mutations = document.getElementsByTagName("mutation");
        for (int i = 0; i < mutations.getLength(); i++) {
            Element m = (Element) mutations.item(i);
            Mutant mutant = new Mutant(text(m, "mutatedClass"), text(m, "mutatedMethod"),
                    text(m, "methodDescription"), Integer.parseInt(text(m, "lineNumber")), text(m, "mutator"),
                    text(m, "indexes"), text(m, "description"));
            sink.accept(mutant, DETECTED.contains(m.getAttribute("status")));
        }
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        if (nodes.getLength() == 0) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        Node node = nodes.item(0);
        NodeList children = node.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            text.append(children.item(i).getTextContent().trim()).append(children.getLength() > 1 ? "," : "");
        }
        return text.toString();
    }

    /** Prints the table and the survivors; true when every package meets the threshold. */
    static boolean report(Map<Mutant, Verdict> mutants, double threshold) {
        Map<String, int[]> packages = new TreeMap<>();
        Map<String, List<Mutant>> survivors = new TreeMap<>();
        for (var e : mutants.entrySet()) {
            int[] counts = packages.computeIfAbsent(e.getKey().pkg(), p -> new int[4]);
            Verdict v = e.getValue();
            counts[0]++;
            counts[1] += v.unit ? 1 : 0;
            counts[2] += v.live && !v.unit ? 1 : 0;
            counts[3] += v.killed() ? 1 : 0;
            if (!v.killed()) {
                survivors.computeIfAbsent(e.getKey().pkg(), p -> new ArrayList<>()).add(e.getKey());
            }
        }
        boolean met = true;
        int[] all = new int[4];
        System.out.println("| Package | Mutants | Killed by unit tests | Killed by ITs only | Killed | Score |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (var p : packages.entrySet()) {
            int[] c = p.getValue();
            double score = 100.0 * c[3] / c[0];
            boolean below = score < threshold;
            met &= !below;
            System.out.printf("| `%s` | %d | %d | %d | %d | %s%.0f%%%s |%n", p.getKey(), c[0], c[1], c[2], c[3],
                    below ? "" : "**", Math.floor(score), below ? " (below " + (int) threshold + "%)" : "**");
            for (int i = 0; i < 4; i++) {
                all[i] += c[i];
            }
        }
        System.out.printf("| all | %d | %d | %d | %d | %.0f%% |%n", all[0], all[1], all[2], all[3],
                Math.floor(100.0 * all[3] / Math.max(1, all[0])));
        System.out.println();
        System.out.println("Surviving mutants:");
        survivors.forEach((pkg, list) -> list.forEach(m -> System.out.printf("- %s %s: %s (%s)%s%n", pkg,
                m.where(), m.description(), m.mutator().substring(m.mutator().lastIndexOf('.') + 1),
                mutants.get(m).inLiveRun ? "" : " [not in the live run]")));
        return met;
    }
}
