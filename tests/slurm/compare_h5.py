"""Usage: compare_h5.py A.h5 B.h5

Exit 0 if both files hold the same datasets (same paths, shapes, dtypes and values; NaN equals
NaN), else print every difference and exit 1. Attributes and groups without datasets are not
compared: a merged sweep may record how it was produced (shard count, times) in attributes.
"""
import sys

import h5py
import numpy as np


def datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found[name] = (obj.shape, obj.dtype, np.asarray(obj[()]))
        f.visititems(visit)
    return found


def equal(a, b):
    if a.dtype.kind in "fc":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def main(a_path, b_path):
    a, b = datasets(a_path), datasets(b_path)
    problems = []
    for name in sorted(set(a) - set(b)):
        problems.append(f"only in {a_path}: {name}")
    for name in sorted(set(b) - set(a)):
        problems.append(f"only in {b_path}: {name}")
    for name in sorted(set(a) & set(b)):
        (sa, ta, va), (sb, tb, vb) = a[name], b[name]
        if sa != sb or ta != tb:
            problems.append(f"{name}: shape/dtype {sa} {ta} != {sb} {tb}")
        elif not equal(va, vb):
            problems.append(f"{name}: values differ")
    if not a:
        problems.append(f"{a_path} holds no datasets")
    for p in problems:
        print("compare_h5:", p)
    if problems:
        return 1
    print(f"compare_h5: {len(a)} datasets equal")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
