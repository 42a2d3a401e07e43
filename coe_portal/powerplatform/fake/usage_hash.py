"""Counter-based random numbers for usage: every draw is a hash of what it is for, never a stream position.

A launch, a run or a transcript draws from hash(seed, day, item, ordinal), so changing one app's pattern
or one flow's schedule leaves every other generated event exactly as it was.
"""

import uuid

import numpy as np

__all__ = ["guid", "mix", "run_name", "scalar", "uniform"]

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


def scalar(*parts):
    """One 64-bit hash of some integers, as a Python int."""
    value = np.uint64(0)
    for part in parts:
        value = mix(np.uint64(int(part) & 0xFFFFFFFFFFFFFFFF) ^ mix(value))
    return int(value)


def uniform(hashes, salt=0):
    """Uniform floats in [0, 1) from hashes; a different `salt` gives an independent draw."""
    with np.errstate(over="ignore"):
        mixed = mix(np.asarray(hashes, dtype=np.uint64) ^ np.uint64(salt * 0x2545F4914F6CDD1D & 0xFFFFFFFFFFFFFFFF))
    return (mixed >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def guid(value):
    """A version-4 GUID string from a 64-bit hash."""
    high = int(mix(np.uint64(value ^ 0x5555)))
    return str(uuid.UUID(int=(high << 64) | (int(value) & 0xFFFFFFFFFFFFFFFF), version=4))


def run_name(value):
    """A Logic Apps run id in the shape of §2.1's example, e.g. 08586653536760200319026785874CU62."""
    digits = f"{int(value) % 10**18:018d}{int(mix(np.uint64(value))) % 10**8:08d}"
    return f"085{digits}CU{int(value) % 97:02d}"
