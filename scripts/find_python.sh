#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 needs >=3.8,<3.11).
# Order: $KEFU_PYTHON, a working python3.10 on PATH, pyenv's 3.10.x, /usr/bin/python3.10.
set -euo pipefail

works() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

candidates=()
[ -n "${KEFU_PYTHON:-}" ] && candidates+=("$KEFU_PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do candidates+=("$p"); done
fi
for p in "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  candidates+=("$p")
done

for c in "${candidates[@]}"; do
  if [ -x "$c" ] && works "$c"; then echo "$c"; exit 0; fi
done
echo "error: no working Python 3.10 found. Install it (e.g. 'pyenv install 3.10' or Debian's python3.10)" \
     "or point KEFU_PYTHON at one." >&2
exit 1
