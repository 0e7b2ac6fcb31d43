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
    if size == SHINGLE_WORDS == 3:
        return {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:])}
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


# _BIT[j] turns every byte into its bit j (from the most significant), 0 or 1.
_BIT = [bytes.maketrans(bytes(range(256)), bytes((v >> (7 - j)) & 1 for v in range(256))) for j in range(8)]


def simhash(text: str) -> str:
    """The text's SimHash fingerprint, as BITS/4 hex digits ('' for a text without words).

    Bit i (from the most significant) is set when more than half of the shingles' blake2b
    digests have bit i set."""
    grams = shingles(text)
    if not grams:
        return ""
    size = BITS // 8
    # All digests end to end; bit i of every digest is bit i % 8 of the bytes i // 8, i // 8 + size...:
    # one translate per bit of a byte and one slice per byte position count a column in C.
    digests = b"".join([blake2b(g.encode("utf-8"), digest_size=size).digest() for g in grams])
    half = len(grams) / 2
    value = 0
    for j, table in enumerate(_BIT):
        flags = digests.translate(table)
        for k in range(size):
            if flags[k::size].count(1) > half:
                value |= 1 << (BITS - 1 - 8 * k - j)
    return format(value, f"0{BITS // 4}x")


def distance(a: str, b: str) -> int:
    """Bits in which two fingerprints differ (BITS when either is empty: nothing to compare)."""
    if not a or not b:
        return BITS
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_duplicate(a: str, b: str, max_bits: int) -> bool:
    """Whether two fingerprints are copies of one text (at most `max_bits` bits apart)."""
    return distance(a, b) <= max_bits
