#!/usr/bin/env python3
"""Lists the async frame size of each async function in a Swift binary, largest first.

A Swift async function's frame (its "context") is allocated by its caller from the task's allocator: a frame that
does not fit the task's current slab (about 1 KB) is a `malloc` of its own, so every large frame on a hot path costs
a heap allocation per call (and, in glibc's large-bin range, a consolidation of the fast bins). The size is
recorded in the function's "async function pointer" symbol (mangled name ending in `Tu`): a 32-bit relative
offset, then the 32-bit context size. This reads those symbols with `nm`, their bytes through the section table
(`readelf`), and demangles the names with `swift demangle`.

Usage: Scripts/async-frames.py BINARY [NAME-FILTER] [COUNT]
  e.g. Scripts/async-frames.py .build-release/release/ShapesBenchmark WorkflowStateEngineRole 20

Needs python3, binutils (nm, readelf) and the Swift toolchain. Build the binary in release mode: debug frames
differ. See Benchmarks/README.md, "Async frames".
"""
import struct
import subprocess
import sys


def sections(binary):
    """(address, file offset, size) of each section with contents."""
    found = []
    listing = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        line = line.strip()
        if not line.startswith("[") or "]" not in line:
            continue
        parts = line.split("]", 1)[1].split()
        if len(parts) < 5 or parts[1] == "NOBITS":
            continue
        try:
            found.append((int(parts[2], 16), int(parts[3], 16), int(parts[4], 16)))
        except ValueError:
            continue
    return found


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    binary = sys.argv[1]
    name_filter = sys.argv[2] if len(sys.argv) > 2 else ""
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    data = open(binary, "rb").read()
    table = sections(binary)

    def offset(address):
        for start, file_offset, size in table:
            if start <= address < start + size:
                return file_offset + address - start
        return None

    frames = []
    symbols = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[2].endswith("Tu"):
            continue
        at = offset(int(parts[0], 16))
        if at is None:
            continue
        _, size = struct.unpack("<iI", data[at : at + 8])
        frames.append((size, parts[2]))
    frames.sort(reverse=True)
    names = subprocess.run(
        ["swift", "demangle", "--simplified"],
        input="\n".join(name for _, name in frames),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    shown = 0
    for (size, _), name in zip(frames, names):
        name = name.replace("async function pointer to ", "")
        if name_filter in name:
            print(f"{size:7d}  {name}")
            shown += 1
            if shown >= count:
                break


if __name__ == "__main__":
    main()
