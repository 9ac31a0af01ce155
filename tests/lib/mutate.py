#!/usr/bin/env python3
"""mutate.py SEED N FILE... - print N lines made by mutating random lines of
the given logs (byte flips, cuts, insertions, rotations), deterministically
for a seed. Robustness input for tests/e2e/robust.sh."""
import random
import sys

seed, n = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
src = []
for path in sys.argv[3:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        src += [l for l in f.read().split("\n") if l]
alphabet = ' \t[]<>:-"=#\\0123456789abcXYZ\u00b5'
out = sys.stdout
for _ in range(n):
    line = list(rnd.choice(src))
    for _ in range(rnd.randint(0, 6)):
        if not line:
            break
        op, p = rnd.random(), rnd.randrange(len(line))
        if op < 0.3:
            line[p] = rnd.choice(alphabet)
        elif op < 0.5:
            del line[p]
        elif op < 0.7:
            line.insert(p, rnd.choice(alphabet))
        elif op < 0.8:
            line = line[:p]
        else:
            line = line[p:] + line[:p]
    out.write("".join(line) + "\n")
