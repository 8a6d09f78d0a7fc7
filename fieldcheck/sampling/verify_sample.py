#!/usr/bin/env python3
"""Re-derive a fieldcheck sample from its published frame and seed. Standard library only.

Usage:
    python3 verify_sample.py frame.csv "SEED" "METHOD" [STRATUM=K ...]

frame.csv, SEED and METHOD are published on the cycle's public page; STRATUM=K repeats each
published extension. Prints the sample as CSV (stratum,rank,public_id,ticket,reason), the
same bytes as the page's sample.csv, so `diff` tells whether the published sample is right.

The rule: the canonical seed is SEED in Unicode NFC with all whitespace removed. A claim's
ticket is SHA-256 of the UTF-8 bytes of "<canonical seed>/<public id>", read as a 256-bit
unsigned integer. Per stratum (the report, or report/aspect), with N claims, tolerable false
share p and confidence c, n is the smallest number with C(N-K, n) / C(N, n) <= 1 - c where
K = ceil(p*N), at least `min` and at most N. The n lowest tickets are sampled; with
cover_aspects=yes, each aspect of the stratum not yet sampled adds its lowest-ticket claim
(in ticket order); an extension of k adds the next k lowest tickets.

This file is deliberately independent of fieldcheck's own code: two implementations that
agree are better evidence than one.
"""

import csv
import hashlib
import io
import math
import sys
import unicodedata
from fractions import Fraction


def canonical(seed):
    return "".join(ch for ch in unicodedata.normalize("NFC", seed) if not ch.isspace())


def ticket(seed, public_id):
    return int.from_bytes(hashlib.sha256(("%s/%s" % (seed, public_id)).encode("utf-8")).digest(), "big")


def size(population, share, confidence, minimum):
    if population == 0:
        return 0
    bad = math.ceil(Fraction(share) * population)
    limit = 1 - Fraction(confidence)
    # P(n) = C(N-K, n) / C(N, n), the chance that n draws miss all K false claims, kept exact as
    # num/den and updated incrementally: P(n+1) = P(n) * (N-K-n) / (N-n).
    num = den = 1
    n = 0
    while n < population and num * limit.denominator > limit.numerator * den:
        num *= population - bad - n
        den *= population - n
        n += 1
    return min(population, max(n, minimum))


def parse_method(method):
    parts = method.split()
    if not parts or parts[0] != "fieldcheck-draw/1":
        raise SystemExit("unknown method: %r" % method)
    fields = dict(p.split("=", 1) for p in parts[1:])
    return (fields["strata"], Fraction(fields["p"]), Fraction(fields["c"]), int(fields["min"]),
            fields["cover_aspects"] == "yes")


def derive(frame_text, seed, method, extensions):
    strata_kind, share, confidence, minimum, cover = parse_method(method)
    seed = canonical(seed)
    strata = {}
    for row in csv.DictReader(io.StringIO(frame_text)):
        name = row["stratum"] if strata_kind == "report" else row["stratum"] + "/" + row["aspect"]
        strata.setdefault(name, []).append((row["public_id"], row["aspect"]))
    out = []
    for name in sorted(strata):
        aspect = dict(strata[name])
        ordered = sorted((ticket(seed, pid), pid) for pid in aspect)
        n = size(len(ordered), share, confidence, minimum)
        picked = [(t, pid, "size") for t, pid in ordered[:n]]
        if cover:
            seen = {aspect[pid] for _t, pid, _r in picked}
            for t, pid in ordered[n:]:
                if aspect[pid] not in seen:
                    seen.add(aspect[pid])
                    picked.append((t, pid, "aspect"))
        taken = {pid for _t, pid, _r in picked}
        rest = [(t, pid, "extension") for t, pid in ordered if pid not in taken]
        picked += rest[: extensions.get(name, 0)]
        for rank, (t, pid, reason) in enumerate(picked, start=1):
            out.append((name, rank, pid, "%064x" % t, reason))
    return out


def to_csv(rows):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["stratum", "rank", "public_id", "ticket", "reason"])
    writer.writerows(rows)
    return buf.getvalue()


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8-sig", newline="") as f:
        frame_text = f.read()
    extensions = {}
    for arg in argv[4:]:
        name, _, k = arg.rpartition("=")
        extensions[name] = int(k)
    sys.stdout.write(to_csv(derive(frame_text, argv[2], argv[3], extensions)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
