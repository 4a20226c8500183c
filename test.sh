#!/usr/bin/env bash
# Runs every test of EdgeCache on a fresh machine: installs what the tests need, restores,
# builds, runs every test project, and ends with one line "N passed, N failed".
# Exits non-zero when anything failed (or nothing ran).
set -uo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: dig (dnsutils) asks the DNS responder; postgresql's server
# binaries run a throwaway cluster (initdb in a temporary folder, a free port) for the origin's
# PostgreSQL stores. node runs Terraform's HCL parser (deploy/check) for EdgeCache.Deploy.Tests;
# Debian's nodejs and npm only when the machine has no node of its own.
debs=(dnsutils postgresql)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  debs+=(nodejs npm)
fi
missing=()
for pkg in "${debs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# @cdktf/hcl2json, at the version package-lock.json pins, for deploy/check/hcl2json.mjs.
if ! npm ci --prefix deploy/check --no-audit --no-fund --loglevel=error >/dev/null; then
  echo "0 passed, 1 failed"
  exit 1
fi

if ! dotnet restore EdgeCache.sln --nologo -v q; then
  echo "0 passed, 1 failed"
  exit 1
fi
if ! dotnet build EdgeCache.sln -c Release --no-restore --nologo -v q -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || status=$?
done

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the run broke outside any single test (a crashed test host, a build step)
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
