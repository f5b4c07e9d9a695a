#!/usr/bin/env bash
# The nightly's verdict, run last with every job's result in the environment (PLAN, SHARDS,
# FAMILIES, AGGREGATE, ATTEST, RECORD, DEPLOY, ISSUES: success, failure, cancelled or skipped; VERSION, MISSING, REGRESSED
# from the aggregate job). Exit 1, with one ::error line per part that did not work, so a night
# that published only part of its runs still shows red. A regression alone does not fail the
# night: its issue is the alert; it is noted here as a warning.
set -uo pipefail

problems=()
[ "${PLAN:-}" = success ] || problems+=("planning: ${PLAN:-not run}")
[ "${SHARDS:-}" = success ] || problems+=("training: a shard job ended ${SHARDS:-not run} (see the shard jobs)")
# Skipped unless asked for: the families job is opt-in.
case "${FAMILIES:-skipped}" in success | skipped) ;; *) problems+=("model families: the families job ended ${FAMILIES}; their suites were not published") ;; esac
if [ "${AGGREGATE:-}" != success ]; then
  problems+=("aggregation and publishing: ${AGGREGATE:-not run}; no version was published")
else
  [ "${MISSING:-0}" = 0 ] || problems+=("version ${VERSION:-?} was published partial: ${MISSING} planned run(s) missing, marked on the site")
  case "${DEPLOY:-}" in success | skipped) ;; *) problems+=("deploying the site: ${DEPLOY:-not run}") ;; esac
  [ "${ISSUES:-}" = success ] || problems+=("regression issues: ${ISSUES:-not run}")
  case "${ATTEST:-skipped}" in success | skipped) ;; *) problems+=("attesting version ${VERSION:-?}: ${ATTEST}; its manifest has no provenance attestation") ;; esac
  # The attestation exists on GitHub but not beside the manifest, so the site says "not attested".
  case "${RECORD:-skipped}" in success | skipped) ;; *) problems+=("recording the attestation of version ${VERSION:-?} in content/: ${RECORD}; gh attestation verify without --bundle still finds it") ;; esac
fi
if [ "${REGRESSED:-}" = true ]; then echo "::warning title=Refit regression::version ${VERSION:-?} moved a metric beyond seed noise; see the regression issues"; fi

if [ ${#problems[@]} -eq 0 ]; then
  echo "night ok: version ${VERSION:-?} published with every planned run"
  exit 0
fi
for p in "${problems[@]}"; do echo "::error title=Nightly incomplete::$p"; done
exit 1
