"""Near-duplicate texts: SimHash over word shingles, compared by the number of differing bits.

A syndicated copy (another headline, a dateline, a paragraph cut, a few words changed) keeps most
of its 3-word shingles, so its fingerprint differs in few bits; a different story on the same
subject shares few shingles and differs in about half. tests/test_alerts_similarity.py measures
both on pairs and checks the threshold (GEOWIRE_ALERT_NEAR_DUPLICATE_BITS) between them.
"""

from __future__ import annotations

import re
from hashlib import blake2b

BITS = 128
SHINGLE_WORDS = 3
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The distinct runs of `size` words of a text, lower-cased (the words themselves for a short text)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return set(words)
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def simhash(text: str) -> str:
    """The text's SimHash fingerprint, as BITS/4 hex digits ('' for a text without words)."""
    grams = shingles(text)
    if not grams:
        return ""
    # Each column of the bit strings is one bit position across all shingles: counting its ones
    # in C (str.count on a joined column) is ~20x faster than shifting and masking in Python.
    rows = [format(int.from_bytes(blake2b(g.encode("utf-8"), digest_size=BITS // 8).digest(), "big"), f"0{BITS}b") for g in grams]
    half = len(rows) / 2
    bits = "".join("1" if "".join(column).count("1") > half else "0" for column in zip(*rows))
    return format(int(bits, 2), f"0{BITS // 4}x")


def distance(a: str, b: str) -> int:
    """Bits in which two fingerprints differ (BITS when either is empty: nothing to compare)."""
    if not a or not b:
        return BITS
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_duplicate(a: str, b: str, max_bits: int) -> bool:
    """Whether two fingerprints are copies of one text (at most `max_bits` bits apart)."""
    return distance(a, b) <= max_bits
