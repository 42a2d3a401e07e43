"""Counter-based random numbers for usage: every draw is a hash of what it is for, never a stream position.

A launch, a run or a transcript draws from hash(seed, day, item, ordinal), so changing one app's pattern
or one flow's schedule leaves every other generated event exactly as it was.
"""

import numpy as np

__all__ = ["guid", "guid_json", "mix", "mix_int", "guids", "run_name", "run_names", "scalar", "uniform"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def mix(values):
    """splitmix64 of a uint64 array (or scalar): a well-spread 64-bit hash."""
    with np.errstate(over="ignore"):
        z = np.asarray(values, dtype=np.uint64) + _GAMMA
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        return z ^ (z >> _S31)


MASK = (1 << 64) - 1


def mix_int(value):
    """`mix` of one Python int, without numpy's per-call cost."""
    z = (value + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def scalar(*parts):
    """One 64-bit hash of some integers, as a Python int."""
    value = 0
    for part in parts:
        value = mix_int((int(part) & MASK) ^ mix_int(value))
    return value


def uniform(hashes, salt=0):
    """Uniform floats in [0, 1) from hashes; a different `salt` gives an independent draw."""
    with np.errstate(over="ignore"):
        mixed = mix(np.asarray(hashes, dtype=np.uint64) ^ np.uint64(salt * 0x2545F4914F6CDD1D & 0xFFFFFFFFFFFFFFFF))
    return (mixed >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def guid(value):
    """A version-4 GUID string from a 64-bit hash."""
    value = int(value) & MASK
    high = (mix_int(value ^ 0x5555) & ~0xF000) | 0x4000
    low = (value & ~(0xC000 << 48)) | (0x8000 << 48)
    text = f"{high:016x}{low:016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def guids(values):
    """`guid` of each of a uint64 array's values, the arithmetic done by numpy."""
    return [text[1:-1].decode() for text in guid_json(values)]


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_SHIFTS = np.arange(60, -4, -4, dtype=np.uint64)
# Where the 32 hex digits go in '"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"' (quotes and dashes stay).
_DIGITS = np.array([i for i in range(1, 37) if i not in (9, 14, 19, 24)])


def guid_json(values):
    """`guid` of each of a uint64 array's values as JSON string bytes (quoted), made by numpy in one buffer."""
    values = np.asarray(values, dtype=np.uint64)
    high = (mix(values ^ np.uint64(0x5555)) & ~np.uint64(0xF000)) | np.uint64(0x4000)
    low = (values & ~np.uint64(0xC000 << 48)) | np.uint64(0x8000 << 48)
    nibbles = np.concatenate([(high[:, None] >> _SHIFTS) & np.uint64(0xF), (low[:, None] >> _SHIFTS) & np.uint64(0xF)],
                             axis=1)
    text = np.full((len(values), 38), ord("-"), dtype=np.uint8)
    text[:, 0] = text[:, 37] = ord('"')
    text[:, _DIGITS] = _HEX[nibbles.astype(np.intp)]
    flat = text.tobytes()
    return [flat[i:i + 38] for i in range(0, len(flat), 38)]


def run_name(value):
    """A Logic Apps run id in the shape of §2.1's example, e.g. 08586653536760200319026785874CU62."""
    digits = f"{int(value) % 10**18:018d}{mix_int(int(value)) % 10**8:08d}"
    return f"085{digits}CU{int(value) % 97:02d}"


def run_names(values):
    """`run_name` of each of a uint64 array's values, the arithmetic done by numpy."""
    values = np.asarray(values, dtype=np.uint64)
    parts = zip((values % np.uint64(10**18)).tolist(), (mix(values) % np.uint64(10**8)).tolist(),
                (values % np.uint64(97)).tolist(), strict=False)
    return [f"085{head:018d}{tail:08d}CU{check:02d}" for head, tail, check in parts]
