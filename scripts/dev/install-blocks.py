#!/usr/bin/env python3
"""Prints blocks of a pgrx-generated install script, for drafting upgrade
scripts: the blocks whose source comment (-- src/...) starts with one of the
given prefixes, or that create one of the given function names, in the
install script's (dependency-respecting) order.

    install-blocks.py INSTALL_SQL [--src src/jobs/] [--fn name ...]
"""
import re
import sys

args = sys.argv[1:]
path = args.pop(0)
srcs, fns = [], []
while args:
    flag = args.pop(0)
    (srcs if flag == "--src" else fns).append(args.pop(0))
text = open(path).read()
blocks = re.findall(r"/\* <begin connected objects> \*/\n(.*?)/\* </end connected objects> \*/", text, re.S)
for b in blocks:
    src = re.search(r"^-- (src/\S+)", b, re.M)
    created = re.findall(r"CREATE\s+(?:OR REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+(?:\"?supabase_ext\"?\.)?\"?(\w+)\"?\(", b)
    if (src and any(src.group(1).startswith(p) for p in srcs)) or any(f in fns for f in created):
        print(b.rstrip() + "\n")
