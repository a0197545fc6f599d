#!/usr/bin/env bash
# Records a release as a commit that changes environments/$ENVIRONMENT.json, pushes it to main with the release
# GitHub App's token, and prints commit=<sha> for $GITHUB_OUTPUT: the commit the environment is deployed from.
# Without IMAGE (an infrastructure change) or when the file already names IMAGE, nothing is committed and the commit
# is the one checked out. See docs/delivery.md, "Releases are commits".
#   ENVIRONMENT     the environment file to change
#   IMAGE           <repository>:<tag>@sha256:<digest>, or empty
#   SCHEMA_VERSION  the release's whcsites.schema-version label, or empty
#   TOKEN           the App's installation token (contents: write; the ruleset lets the App push to main)
#   RUN_URL         this workflow run, named in the commit message
#   RELEASE_CLI     how to run the release CLI (tests run it from another checkout); default npm run -s release --
set -euo pipefail

release() {
  if [[ -n "${RELEASE_CLI:-}" ]]; then
    # shellcheck disable=SC2086 # a command line, split on purpose
    $RELEASE_CLI "$@"
  else
    npm run -s release -- "$@"
  fi
}

if [[ -z "${IMAGE:-}" ]]; then
  echo "commit=$(git rev-parse HEAD)"
  exit 0
fi
args=(record --environment "$ENVIRONMENT" --image "$IMAGE")
if [[ -n "${SCHEMA_VERSION:-}" ]]; then args+=(--schema-version "$SCHEMA_VERSION"); fi
release "${args[@]}" >&2
file="environments/$ENVIRONMENT.json"
if git diff --quiet -- "$file"; then
  echo "commit=$(git rev-parse HEAD)"
  exit 0
fi
git -c user.name="whcsites-release[bot]" -c user.email="whcsites-release[bot]@users.noreply.github.com" \
  commit --quiet -m "Release $(basename "${IMAGE%@*}") to $ENVIRONMENT" -m "image: $IMAGE
schema version: ${SCHEMA_VERSION:-none}
recorded by: $RUN_URL" -- "$file"
# The token reaches git through a header of this one command, never the remote URL or the git config.
auth="$(printf 'x-access-token:%s' "$TOKEN" | base64 -w0)"
if ! git -c http.https://github.com/.extraheader="AUTHORIZATION: basic $auth" push --quiet origin HEAD:refs/heads/main >&2; then
  echo "record-release: the push of the release commit to main was refused, so the release is not recorded for $ENVIRONMENT: main moved since this run started (the commit would carry changes the environments before it did not run), or the release App may not push to main (docs/delivery.md, \"One-time setup\"). Start the workflow again." >&2
  exit 1
fi
echo "commit=$(git rev-parse HEAD)"
