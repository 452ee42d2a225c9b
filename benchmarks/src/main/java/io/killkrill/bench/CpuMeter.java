package io.killkrill.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * CPU seconds spent by each process of a phase (utime + stime from /proc/<pid>/stat), and by the whole machine
 * (/proc/stat), so a figure comes with what bound it: on two cores, throughput is at most 2 s of CPU per second
 * divided by the CPU all stages spend per message.
 */
final class CpuMeter {
    private static final double TICKS = 100.0; // USER_HZ on Linux

    private final Map<String, Long> pids = new LinkedHashMap<>();
    private final Map<String, Long> startTicks = new LinkedHashMap<>();
    private long machineBusyStart;
    private long startNanos;
    private Elasticsearch elasticsearch;
    private long writeTasksStart;

    CpuMeter track(String name, long pid) {
        pids.put(name, pid);
        return this;
    }

    /**
     * The process listening on TCP {@code port}: the socket's inode in /proc/net/tcp and tcp6, then the process with a
     * descriptor on it (-1 if none). Tells our Elasticsearch from other nodes on the machine, which the command line
     * cannot.
     */
    static long listenerPid(int port) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                inodes.addAll(listeningInodes(Files.readAllLines(Path.of(table)), port));
            } catch (Exception absent) {
                // no IPv6, say
            }
        }
        if (inodes.isEmpty()) {
            return -1;
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> holdsSocket(p, inodes))
                    .mapToLong(p -> Long.parseLong(p.getFileName().toString())).min().orElse(-1);
        } catch (Exception e) {
            return -1;
        }
    }

    /** The inodes of the sockets in LISTEN state (0A) on {@code port} in the lines of a /proc/net/tcp table. */
    static Set<String> listeningInodes(List<String> table, int port) {
        Set<String> inodes = new HashSet<>();
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String line : table) {
            String[] fields = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            if (fields.length > 9 && fields[1].endsWith(hexPort) && fields[3].equals("0A")) {
                inodes.add(fields[9]);
            }
        }
        return inodes;
    }

    private static boolean holdsSocket(Path proc, Set<String> inodes) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1));
                } catch (Exception gone) {
                    return false;
                }
            });
        } catch (Exception gone) {
            return false;
        }
    }

    /** The first process whose command line contains {@code marker}, e.g. Elasticsearch and redis-server. */
    static long findPid(Predicate<String> commandLine) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    return commandLine.test(new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' '));
                } catch (Exception gone) {
                    return false;
                }
            }).mapToLong(p -> Long.parseLong(p.getFileName().toString())).min().orElse(-1);
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Also counts the write tasks Elasticsearch completes ({@code thread_pool.write.completed}: one per bulk request
     * and shard), to tell how many documents each bulk carried.
     */
    CpuMeter countingWrites(Elasticsearch elasticsearch) {
        this.elasticsearch = elasticsearch;
        return this;
    }

    private long writeTasks() {
        if (elasticsearch == null) {
            return 0;
        }
        try {
            long completed = 0;
            for (var node : elasticsearch.call("GET", "/_nodes/stats/thread_pool?filter_path=nodes.*.thread_pool"
                    + ".write.completed", (String) null).path("nodes")) {
                completed += node.path("thread_pool").path("write").path("completed").asLong();
            }
            return completed;
        } catch (Exception e) {
            return -1;
        }
    }

    CpuMeter start() {
        writeTasksStart = writeTasks();
        pids.forEach((name, pid) -> startTicks.put(name, ticks(pid)));
        machineBusyStart = machineBusy();
        startNanos = System.nanoTime();
        return this;
    }

    /** CPU seconds per process since {@link #start()}, the machine's busy seconds, and what is not ours. */
    ObjectNode stop(ObjectNode into, long messages) {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        ObjectNode cpu = into.putObject("cpu_seconds");
        ObjectNode perK = into.putObject("cpu_ms_per_1000_messages");
        double ours = 0;
        for (var e : pids.entrySet()) {
            double seconds = (ticks(e.getValue()) - startTicks.get(e.getKey())) / TICKS;
            ours += seconds;
            cpu.put(e.getKey(), round(seconds));
            if (messages > 0) {
                perK.put(e.getKey(), round(seconds * 1000 * 1000 / messages));
            }
        }
        double machine = (machineBusy() - machineBusyStart) / TICKS;
        if (elasticsearch != null && writeTasksStart >= 0) {
            long tasks = writeTasks() - writeTasksStart;
            into.put("es_write_tasks", tasks);
            if (tasks > 0 && messages > 0) {
                into.put("docs_per_es_write_task", round((double) messages / tasks));
            }
        }
        cpu.put("machine_busy", round(machine)).put("machine_capacity", round(wall * Runtime.getRuntime()
                .availableProcessors())).put("other_processes", round(Math.max(0, machine - ours)));
        return cpu;
    }

    private static long ticks(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (Exception gone) {
            return 0;
        }
    }

    private static long machineBusy() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (Exception e) {
            return 0;
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
