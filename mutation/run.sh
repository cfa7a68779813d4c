#!/usr/bin/env bash
# Mutation testing with cosmic-ray, one module group at a time (docs/mutation-testing.md).
#
#   bash mutation/run.sh scope              # one group: mutation/scope.toml, from scratch
#   bash mutation/run.sh personal reveals   # several, one after the other
#   bash mutation/run.sh --again scope      # re-run only the mutants not killed last time
#                                           # (after adding tests), keeping the rest
#
# Each group's session database is mutation/sessions/<group>.sqlite (not committed); the
# report is printed and written to mutation/sessions/<group>.txt. cosmic-ray mutates the
# module IN PLACE and puts it back after each mutant: do not edit or test the same checkout
# while it runs, and if a run is killed, `git checkout -- <module>` restores the file.
set -euo pipefail
cd "$(dirname "$0")/.."
# The test commands say `python`: the project's venv must come first on PATH.
if [[ -x .venv/bin/python ]]; then
    export PATH="$PWD/.venv/bin:$PATH"
fi
python -c "import pytest, httpx, cosmic_ray" || {
    echo "run in the project's venv after: pip install -e '.[dev]'" >&2
    exit 2
}
again=0
if [[ "${1:-}" == "--again" ]]; then
    again=1
    shift
fi
mkdir -p mutation/sessions
for group in "$@"; do
    config="mutation/$group.toml"
    session="mutation/sessions/$group.sqlite"
    [[ -f "$config" ]] || { echo "no $config" >&2; exit 2; }
    if [[ $again == 1 ]]; then
        python mutation/again.py "$session"
    else
        rm -f "$session"
        cosmic-ray init "$config" "$session"
        # Operators the config excludes (with its reason) are marked skipped, not run.
        cr-filter-operators "$session" "$config"
        # A large module may be sampled by function (`[cosmic-ray.filters.definitions]`).
        python mutation/only.py "$session" "$config"
    fi
    # The unmutated module must pass its test command, or every mutant would count as killed.
    cosmic-ray baseline "$config"
    start=$(date +%s)
    cosmic-ray exec "$config" "$session"
    echo "group $group: exec $(( $(date +%s) - start )) s" | tee "mutation/sessions/$group.txt"
    cr-report --show-pending "$session" >> "mutation/sessions/$group.txt"
    python mutation/survivors.py "$session" | tee -a "mutation/sessions/$group.txt"
done
