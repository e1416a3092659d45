#!/usr/bin/env bash
# Type-check the package with mypy and the settings in pyproject.toml. The engine, the app and the
# bundled session live in top-level folders mapped into `mixreview`, so mypy checks an install of
# the package (no dependencies) in a temporary folder; the paths it reports are written back as the
# checkout's paths. Exits with mypy's status.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The install is made from a copy of the package's folders, so that a stale build/ folder in the
# checkout cannot leak old modules into it.
python - "$repo" "$work/src" <<'PY'
import shutil
import sys
import tomllib
from pathlib import Path

repo, src = Path(sys.argv[1]), Path(sys.argv[2])
config = tomllib.loads((repo / "pyproject.toml").read_text())
skip = shutil.ignore_patterns("__pycache__", ".mixreview", "*.flac", "*.wav")
for folder in sorted(set(config["tool"]["setuptools"]["package-dir"].values())):
    shutil.copytree(repo / folder, src / folder, ignore=skip)
for name in ("pyproject.toml", "README.md", "LICENSE"):
    shutil.copy2(repo / name, src / name)
PY
if ! python -m pip install -q --no-deps --target "$work/site" "$work/src" >"$work/pip.log" 2>&1
then
  cat "$work/pip.log" >&2
  echo "typecheck: could not install the package into $work/site" >&2
  exit 2
fi

cd "$work/site"
set +e
python -m mypy --config-file "$repo/pyproject.toml" --cache-dir "$work/cache" -p mixreview \
  | sed -E \
    -e "s#$work/site/##g" \
    -e 's#^mixreview/(analysis|tui|sample_sessions)/#\1/#'
statuses=("${PIPESTATUS[@]}")
set -e
if [ "${statuses[0]}" -ne 0 ]; then exit "${statuses[0]}"; fi
exit "${statuses[1]}"
