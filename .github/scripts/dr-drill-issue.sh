#!/usr/bin/env bash
# Opens the yearly disaster-recovery drill issue: the checklist, a figures table to fill in, and the figures of
# the last drill (the "Figures" block of the newest closed `dr-drill` issue), so this year's results are compared
# with last year's. Run by .github/workflows/dr-drill.yml; idempotent (an open issue for the year is left alone).
#
# Environment: REPO (owner/name), GH_TOKEN, YEAR (optional, default this year). Exit 0 opened or already open,
# 2 bad input, 1 anything else.
set -Eeuo pipefail
trap 'echo "dr-drill: line ${LINENO}: \"${BASH_COMMAND}\" failed" >&2' ERR

die() { echo "dr-drill: $*" >&2; exit 2; }

[[ "${REPO:-}" =~ ^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$ ]] || die "REPO \"${REPO:-}\": must be owner/name"
year="${YEAR:-$(date -u +%Y)}"
[[ "$year" =~ ^20[0-9]{2}$ ]] || die "YEAR \"$year\": must be a year such as 2027"
title="DR drill $year"
label="dr-drill"

existing="$(gh issue list --repo "$REPO" --label "$label" --state open --json number,title --jq ".[] | select(.title == \"$title\") | .number")"
if [[ -n "$existing" ]]; then
  echo "dr-drill: #${existing%%$'\n'*} is already open for $year"
  exit 0
fi

last="$(gh issue list --repo "$REPO" --label "$label" --state closed --limit 1 --json number,title,closedAt,body \
  --jq '.[0] // empty | "\(.number)\t\(.title)\t\(.closedAt)"')"
figures="No earlier drill is on record: this one sets the baseline."
if [[ -n "$last" ]]; then
  IFS=$'\t' read -r last_number last_title last_closed <<< "$last"
  last_body="$(gh issue view "$last_number" --repo "$REPO" --json body --jq '.body')"
  # The block between the markers, without them; awk reads all of its input.
  block="$(awk '/<!-- figures -->/{inside=1; next} /<!-- \/figures -->/{inside=0} inside' <<< "$last_body")"
  if [[ -n "${block//[[:space:]]/}" ]]; then
    figures="From #$last_number ($last_title, closed ${last_closed%%T*}):"$'\n\n'"$block"
  else
    figures="#$last_number ($last_title) recorded no figures: fill the table in this time."
  fi
fi

body_file="$(mktemp)"
trap 'rm -f "$body_file"' EXIT
cat > "$body_file" <<BODY
The yearly disaster-recovery drill (docs/operations.md "Backups and restores", docs/runbook.md). Work through it
on staging, or on a scratch namespace of production's cluster, never against production's live database.

## Checklist

- [ ] Pick the newest verified backup of production (\`latest.json\` in the backup target) and note its age: that is the RPO achieved.
- [ ] Restore it into a new database (\`BACKUP_DIR=… RESTORE_DATABASE=dr_drill_$year scripts/restore.sh\`) and time it from start to a usable database: that is the RTO achieved.
- [ ] Check the data: \`_prisma_migrations\` rows, row counts of \`backup.restoreTestTables\`, a few known records.
- [ ] Point a staging deploy at the restored database and run the smoke checks (\`npm run rollout -- watch …\`, docs/release.md).
- [ ] Confirm the alerts that must fire did fire (backup age, health) and reached the on-call person.
- [ ] Confirm who has access to the backup target, the Pulumi tokens and the cluster, and that none of them left the team.
- [ ] Drop the scratch database; record the figures below; file issues for what went wrong; update the runbook.

## Figures (fill in; next year's drill issue quotes this block)

<!-- figures -->
| Figure | Value |
|---|---|
| Date of the drill | |
| Backup restored (file, size) | |
| RPO achieved (age of that backup) | |
| RTO achieved (start to usable database) | |
| Restore duration (\`restoreSeconds\`) | |
| Problems found | |
<!-- /figures -->

## Last drill

$figures
BODY

gh label create "$label" --repo "$REPO" --color B60205 --description "Yearly disaster-recovery drill" --force > /dev/null
gh issue create --repo "$REPO" --title "$title" --label "$label" --body-file "$body_file"
