#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment away from the checkout, and use it
# as a new user would: the version, a headless analysis of the bundled session, the app opening
# it (Textual's headless test driver), and no top-level `analysis` or `tui` module.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip wheel -q --no-deps -w "$work/dist" "$repo"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$work"/dist/mixreview-*.whl
cp "$repo/tools/smoke_app.py" "$work/smoke_app.py"
cd "$work"
export XDG_STATE_HOME="$work/state"
"$work/venv/bin/mixreview" --version
"$work/venv/bin/mixreview" analyze --quiet "$("$work/venv/bin/python" -c \
  'from mixreview.analysis.samples import bundled_session; print(bundled_session())')" >"$work/report.txt"
grep -q "Lead_Vocal.flac" "$work/report.txt"
# batch over the bundled session; without the cluster extra, --cluster says how to install it
bundled="$("$work/venv/bin/python" -c \
  'from mixreview.analysis.samples import bundled_session; print(bundled_session())')"
"$work/venv/bin/mixreview" batch --quiet --format csv "$bundled" >"$work/batch.csv"
grep -q "demo_song,ok," "$work/batch.csv"
set +e
"$work/venv/bin/mixreview" batch --cluster tcp://127.0.0.1:1 "$bundled" 2>"$work/cluster.txt"
status=$?
set -e
if [ "$status" -ne 2 ] || ! grep -q 'pip install "mixreview\[cluster\]"' "$work/cluster.txt"; then
  echo "check_wheel: batch --cluster without Dask did not say how to install it" >&2; exit 1
fi
"$work/venv/bin/python" smoke_app.py
if "$work/venv/bin/python" -c "import analysis" 2>/dev/null; then
  echo "check_wheel: a top-level 'analysis' module is installed" >&2; exit 1
fi
if "$work/venv/bin/python" -c "import tui" 2>/dev/null; then
  echo "check_wheel: a top-level 'tui' module is installed" >&2; exit 1
fi
site="$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
test -f "$site/mixreview/tui/app.tcss"
if find "$site/mixreview/sample_sessions" -name .mixreview | grep -q .; then
  echo "check_wheel: the installed sample session was written to" >&2; exit 1
fi
echo "check_wheel: 7 passed, 0 failed"
