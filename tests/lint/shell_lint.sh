#!/usr/bin/env bash
# Static checks of the project's shell scripts (ctest `lint`):
#
#   1. shellcheck on every shell script of the repository (tests/, bench/,
#      scripts/, container/, .ci/): *.sh and files with a sh/bash shebang;
#   2. no early-exit reader at the end of a pipe. Under `set -o pipefail`,
#      `producer | grep -q RE` fails at random: grep exits at its first
#      match, the producer dies of SIGPIPE writing the rest, and the pipe's
#      status is the producer's 141 (issue 12, item 0). Flagged after a `|`:
#      grep with -q or -m (--quiet, --silent, --max-count), head, and awk
#      with `exit`. Instead: `grep -q RE <(producer)`, `producer | grep -c RE`,
#      `sed -n '/RE/{p;q}' FILE`, or capture the output, then match. Every
#      script is checked, pipefail or not: the libraries run inside pipefail
#      scripts, and a new script should not start with the race.
#   3. a negative control: the check of 2 flags a sample of such pipes and
#      passes their fixed forms, so a green run means something.
#
# Usage: tests/lint/shell_lint.sh [FILE...]   (default: every shell script)
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
cd "$LIB_ROOT"
need shellcheck

# The repository's shell scripts: tracked, or new and not ignored.
shell_files() {
  local f first
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -co --exclude-standard
  else
    find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's|^\./||'
  fi | while IFS= read -r f; do
    [[ -f $f ]] || continue
    first=
    [[ $f == *.sh ]] || read -r first <"$f" 2>/dev/null || true
    if [[ $f == *.sh || $first =~ ^#!.*[/\ ](ba)?sh([[:space:]]|$) ]]; then
      printf '%s\n' "$f"
    fi
  done
}

# early_exit_pipes FILE...: "FILE:LINE: TEXT" for each pipe that ends in an
# early-exit reader. Lines continued with \ or | are joined first; comment
# lines are skipped.
early_exit_pipes() {
  awk '
    FNR == 1 { buf = ""; start = 0 }
    /^[[:space:]]*#/ { next }
    {
      line = (buf == "") ? $0 : buf " " $0
      if (start == 0) start = FNR
      if (line ~ /\\$/ || (line ~ /\|[[:space:]]*$/ && line !~ /\|\|[[:space:]]*$/)) {
        sub(/\\$/, "", line); buf = line; next
      }
      pipe = "(^|[^|])[|][[:space:]]*"
      if (line ~ (pipe "[ef]?grep([[:space:]]+-[^[:space:]]*)*[[:space:]]+(-[A-Za-z]*[qm]|--(quiet|silent|max-count))") ||
          line ~ (pipe "head([[:space:]]|$)") ||
          line ~ (pipe "awk[[:space:]][^|]*[^a-z_]exit([^a-z_]|$)")) {
        printf "%s:%d: %s\n", FILENAME, start, line
      }
      buf = ""; start = 0
    }' "$@"
}

# The check must catch what it is for, and let the fixes through.
self_test() {
  local bad good
  bad=$(early_exit_pipes tests/lint/racy_pipes.txt | wc -l)
  good=$(early_exit_pipes tests/lint/fixed_pipes.txt)
  [[ $bad == 6 && -z $good ]] || {
    printf 'flagged %s of the 6 racy pipes; flagged fixed ones: %s\n' "$bad" "${good:-none}"
    return 1
  }
}

if (($#)); then files=("$@"); else mapfile -t files < <(shell_files); fi
((${#files[@]})) || die "no shell scripts found under $LIB_ROOT"

if out=$(shellcheck -x "${files[@]}" 2>&1); then
  ok "shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#files[@]} scripts"
else
  not_ok "shellcheck: findings in $(grep -c '^In .* line [0-9]*:' <<<"$out") places" "$out"
fi

if found=$(early_exit_pipes "${files[@]}") && [[ -n $found ]]; then
  not_ok "early-exit reader at the end of a pipe (SIGPIPE race under pipefail); use grep -q RE <(producer), grep -c, or capture first" "$found"
else
  ok "no early-exit reader (grep -q/-m, head, awk exit) at the end of a pipe"
fi

if why=$(self_test); then
  ok "negative control: the pipe check flags 6 racy pipes and passes their fixed forms"
else
  not_ok "negative control: the pipe check" "$why"
fi

checks_done
