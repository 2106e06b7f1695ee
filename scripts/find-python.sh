#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter (Django 6 needs it), or fails clearly.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for v in 3.13 3.12; do command -v "python$v" >/dev/null 2>&1 && candidates+=("$(command -v python$v)"); done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3; do
  [ -x "$p" ] && candidates+=("$p")
done
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
for p in "${candidates[@]}"; do
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "fupin needs Python 3.12 or newer (Django 6). Install it (e.g. 'pyenv install 3.12')" \
     "or set PYTHON=/path/to/python3.12." >&2
exit 1
