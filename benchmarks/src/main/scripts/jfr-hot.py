#!/usr/bin/env python3
"""Where the CPU time goes in a JFR recording: jfr-hot.py FILE [THREAD_SUBSTRING] [TOP]
Aggregates jdk.ExecutionSample by top frame (self time) and by every io.killkrill/netty/jedis/jackson
frame on the stack (inclusive time), per thread group."""
import collections, re, subprocess, sys
f = sys.argv[1]; thread_filter = sys.argv[2] if len(sys.argv) > 2 else ""; top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
out = subprocess.run(["jfr", "print", "--stack-depth", "64", "--events", "jdk.ExecutionSample", f],
                     capture_output=True, text=True).stdout
self_t, incl, threads = collections.Counter(), collections.Counter(), collections.Counter()
n = 0
for ev in out.split("jdk.ExecutionSample")[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', ev)
    th = m.group(1) if m else "?"
    if thread_filter and thread_filter not in th:
        continue
    frames = re.findall(r'^\s+([\w$.<>]+)\(.*?line:', ev, re.M)
    if not frames:
        continue
    n += 1
    threads[re.sub(r'\d+', 'N', th)] += 1
    self_t[frames[0]] += 1
    for fr in set(frames):
        incl[fr] += 1
print(f"{n} samples")
print("threads:"); [print(f"  {c*100/n:5.1f}% {t}") for t, c in threads.most_common(8)]
print("self (top frame):"); [print(f"  {c*100/n:5.1f}% {t}") for t, c in self_t.most_common(top)]
print("inclusive (killkrill frames):")
for t, c in [x for x in incl.most_common(2000) if x[0].startswith("io.killkrill")][:top]:
    print(f"  {c*100/n:5.1f}% {t}")
