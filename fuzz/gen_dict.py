#!/usr/bin/env python3
"""Writes fuzz/console_line.dict: Redis's command names from the command
table (shared/src/commands/generated.rs) and the keywords key specs look
for. Run from the repository root after the table is regenerated."""

import re

names = re.findall(r'^        name: "([^"]+)",', open("shared/src/commands/generated.rs").read(), re.M)
keywords = """STREAMS STORE STOREDIST WEIGHTS KEYS BY GET LIMIT COUNT MATCH LEFT RIGHT MIN MAX
AGGREGATE SUM ID FIELDS NX XX EX PX GROUP NOACK BLOCK DB REPLACE AND OR NOT WITHSCORES
FROMMEMBER BYRADIUS km nosort # * $ > 0-0 0 1 2 3 -1""".split()
quoting = ['"', "'", " ", "\\x"]


def entry(word):
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


header = [
    "# libFuzzer dictionary for console_line, written by fuzz/gen_dict.py:",
    "# Redis's command names and the keywords key specs look for.",
]
with open("fuzz/console_line.dict", "w") as out:
    out.write("\n".join(header + [entry(w) for w in dict.fromkeys(names + keywords + quoting)]) + "\n")
