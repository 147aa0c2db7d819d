#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the hand-made seed inputs of shadow_fuzz into corpus/.

An operation is 4 bytes: op, type, object, flags (see shadow_fuzz.c).
"""
import os
import sys

REG, UNREG, GET, ALLOC, GET_OR_ALLOC, FREE, FREE_ALL, COUNT, NULL_TYPE = range(9)
ATOMIC, CTOR_FAILS, ALLOC_FAILS = 1, 2, 4


def op(code, t=0, o=0, flags=0):
    return bytes([code, t, o, flags])


def seeds():
    # the life of one id: register, fill, read, free, collect
    life = op(REG, 0)
    for o in range(1, 8):
        life += op(ALLOC, 0, o) + op(GET, 0, o)
    life += op(COUNT, 0) + op(FREE, 0, 3) + op(FREE_ALL, 0) + op(UNREG, 0)
    yield "id_life", life

    # two structs of one id hand the variables over (cumulative patches)
    yield "handover", (op(REG, 0) + op(ALLOC, 0, 0) + op(ALLOC, 0, 5) +
                       op(REG, 1) + op(UNREG, 0) + op(GET, 1, 0) +
                       op(GET_OR_ALLOC, 1, 5) + op(UNREG, 1) + op(GET, 1, 0))

    # conflicting name and size, double registration
    yield "conflicts", (op(REG, 0) + op(REG, 2) + op(REG, 0) + op(REG, 3) +
                        op(REG, 5) + op(REG, 7) + op(REG, 6) + op(UNREG, 2) +
                        op(UNREG, 0) + op(UNREG, 3) + op(UNREG, 6))

    # enough variables for the store to grow, then shrink
    grow = op(REG, 6)
    for o in range(40):
        grow += op(GET_OR_ALLOC, 6, o, ATOMIC if o % 3 else 0)
    for o in range(0, 40, 2):
        grow += op(FREE, 6, o)
    for o in range(40):
        grow += op(GET, 6, o)
    grow += op(COUNT, 6) + op(UNREG, 6)
    yield "grow_shrink", grow

    # size 0, ctor refusals, allocation failures, NULL types
    yield "failures", (op(REG, 3, 0, ALLOC_FAILS) + op(REG, 3) +
                       op(ALLOC, 3, 1, CTOR_FAILS) + op(ALLOC, 3, 1, ALLOC_FAILS) +
                       op(GET_OR_ALLOC, 3, 2, ALLOC_FAILS | ATOMIC) +
                       op(ALLOC, 3, 1) + op(ALLOC, 3, 1) + op(GET, 3, 1) +
                       op(NULL_TYPE, 0, 1) + op(FREE, 3, 2) + op(UNREG, 3))

    # operations on ids that are not registered, unregistering twice
    yield "unregistered", (op(GET, 0, 1) + op(ALLOC, 3, 1) + op(COUNT, 6) +
                           op(FREE_ALL, 1) + op(UNREG, 4) + op(REG, 4) +
                           op(UNREG, 4) + op(UNREG, 4) + op(GET, 4, 1))

    # states: setup on the first registration, versions kept, raised,
    # refused when lower, falling back; a failing setup; release last
    yield "states", (op(REG, 3) + op(ALLOC, 3, 1) + op(REG, 4) +
                     op(UNREG, 3) + op(REG, 3) + op(UNREG, 4) +
                     op(REG, 4, 0, CTOR_FAILS) + op(REG, 7) + op(REG, 6) +
                     op(UNREG, 6) + op(REG, 6) + op(ALLOC, 7, 2) +
                     op(UNREG, 7) + op(UNREG, 6))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, "seed_" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
