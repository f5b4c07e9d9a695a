#!/usr/bin/env bash
# Pushes HEAD (the nightly's content commit) to a branch that may have moved while the night's
# shards trained: a rejected push fetches the branch, rebases the commit onto it and tries again,
# with a growing pause. A rebase conflict (the same content file changed on both sides) stops it,
# naming the files, with the rebase undone; nothing half-rebased is ever pushed. Prints the pushed
# commit as `sha=<hash>` on stdout, for $GITHUB_OUTPUT.
#
# Usage: push-content.sh <remote> <branch>
#   PUSH_ATTEMPTS       pushes before giving up (default 5)
#   PUSH_PAUSE_SECONDS  pause after the first rejection, growing linearly (default 5)
#   PUSH_TOKEN          a token for HTTPS pushes to github.com, used by this script's git alone
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: push-content.sh <remote> <branch>" >&2
  exit 2
fi
remote=$1
branch=$2
attempts=${PUSH_ATTEMPTS:-5}
pause=${PUSH_PAUSE_SECONDS:-5}

if [ -n "${PUSH_TOKEN:-}" ]; then
  # Through the environment of this process only: never in .git/config, where later steps (npm
  # packages, the site build) could read it, and never on a command line.
  GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$PUSH_TOKEN" | base64 | tr -d '\n')"
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.https://github.com/.extraheader" GIT_CONFIG_VALUE_0
fi

for ((attempt = 1; attempt <= attempts; attempt++)); do
  if git push --quiet "$remote" "HEAD:refs/heads/$branch" >&2; then
    echo "pushed $(git rev-parse --short HEAD) to $branch on attempt $attempt of $attempts" >&2
    echo "sha=$(git rev-parse HEAD)"
    exit 0
  fi
  if [ "$attempt" -eq "$attempts" ]; then break; fi
  echo "push rejected on attempt $attempt of $attempts: $branch moved; rebasing onto it" >&2
  git fetch --quiet "$remote" "refs/heads/$branch"
  if ! git rebase --quiet FETCH_HEAD >&2; then
    conflicts=$(git diff --name-only --diff-filter=U | tr '\n' ' ')
    git rebase --abort
    echo "::error::cannot rebase the content commit onto $branch, which changed the same files: ${conflicts% }" >&2
    exit 1
  fi
  sleep $((pause * attempt))
done
echo "::error::gave up after $attempts pushes: $branch moved before each one" >&2
exit 1
