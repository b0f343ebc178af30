#!/usr/bin/env bash
# Opens the cherry-pick pull requests the guide asks for after a fix lands on main: one per `backport <branch>`
# label of the merged pull request (docs/release.md "Backports"). Run by .github/workflows/backport.yml.
#
# Environment: REPO (owner/name), MERGE_SHA (the commit on main) or PR_NUMBER (a merged pull request), GH_TOKEN
# (a token that may push branches and open pull requests). Exit 0 when every backport PR was opened (or there was
# none to open), 1 when one could not be (a conflict: the PR gets a comment with the commands to do it by hand),
# 2 on bad input.
set -Eeuo pipefail
trap 'echo "backport: line ${LINENO}: \"${BASH_COMMAND}\" failed" >&2' ERR

die() { echo "backport: $*" >&2; exit 2; }

[[ "${REPO:-}" =~ ^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$ ]] || die "REPO \"${REPO:-}\": must be owner/name"
pr="${PR_NUMBER:-}"
sha="${MERGE_SHA:-}"
if [[ -n "$pr" ]]; then
  [[ "$pr" =~ ^[0-9]+$ ]] || die "PR_NUMBER \"$pr\": must be a pull request number"
  sha="$(gh pr view "$pr" --repo "$REPO" --json mergeCommit --jq '.mergeCommit.oid // ""')"
  [[ -n "$sha" ]] || die "pull request #$pr is not merged: nothing to backport"
else
  [[ "$sha" =~ ^[0-9a-f]{40}$ ]] || die "MERGE_SHA \"$sha\": must be a full 40-hex commit SHA"
  pr="$(gh api "repos/$REPO/commits/$sha/pulls" --jq '.[0].number // ""')"
  if [[ -z "$pr" ]]; then
    echo "backport: $sha came from no pull request: nothing to backport"
    exit 0
  fi
fi

title="$(gh pr view "$pr" --repo "$REPO" --json title --jq '.title')"
labels="$(gh pr view "$pr" --repo "$REPO" --json labels --jq '.labels[].name | select(startswith("backport ")) | sub("^backport "; "")')"
targets=()
if [[ -n "$labels" ]]; then mapfile -t targets <<< "$labels"; fi
if [[ "${#targets[@]}" -eq 0 ]]; then
  echo "backport: #$pr has no \"backport <branch>\" label: nothing to backport"
  exit 0
fi

# A merge commit is picked against its first parent (main); a squashed or rebased commit as it is.
parents="$(git rev-list --parents -n 1 "$sha" | wc -w)"
pick=(git cherry-pick -x)
if [[ "$parents" -gt 2 ]]; then pick+=(-m 1); fi

failed=0
for target in "${targets[@]}"; do
  if ! git check-ref-format --branch "$target" > /dev/null 2>&1; then
    echo "backport: label \"backport $target\" does not name a branch; skipped" >&2
    failed=1
    continue
  fi
  branch="backport/$pr-to-${target//\//-}"
  if ! git fetch --quiet origin "refs/heads/$target:refs/remotes/origin/$target"; then
    gh pr comment "$pr" --repo "$REPO" --body "Backport to \`$target\` failed: there is no branch \`$target\`."
    failed=1
    continue
  fi
  git switch --quiet --force-create "$branch" "origin/$target"
  if ! "${pick[@]}" "$sha" > /dev/null; then
    git cherry-pick --abort
    fence='```'
    body="Backport to \`$target\` failed: the cherry-pick conflicts. By hand:"$'\n\n'"${fence}sh"$'\n'
    body+="git fetch origin $target && git switch -c $branch origin/$target"$'\n'"${pick[*]} $sha"$'\n'
    body+="# resolve, git cherry-pick --continue, push, and open a pull request into $target"$'\n'"$fence"
    gh pr comment "$pr" --repo "$REPO" --body "$body"
    failed=1
    continue
  fi
  git push --quiet --force origin "HEAD:refs/heads/$branch"
  gh pr create --repo "$REPO" --base "$target" --head "$branch" --title "[backport $target] $title" \
    --body "Cherry-pick of #$pr ($sha) onto \`$target\`, opened by the backport workflow. It goes through the same checks and review as any pull request."
  echo "backport: opened the pull request of $branch into $target"
done
exit "$failed"
