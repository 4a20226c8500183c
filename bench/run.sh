#!/usr/bin/env bash
# The edge against nginx proxy_cache (1 worker) and Varnish: cache hits (1 KiB, 100 KiB) with wrk,
# miss collapsing, memory per cached object, and publish -> all edges applied. Installs nginx,
# varnish and wrk from Debian when missing, builds Release, prints a Markdown report.
# --tls runs hits and miss collapsing over HTTPS (a throwaway self-signed certificate for 127.0.0.1,
# made in the run's work folder); Varnish cannot terminate TLS and is then left out.
#
#   bench/run.sh [--rounds 3] [--duration 10] [--warmup 30] [--connections 64]
#                [--only hits,collapse,replication,memory] [--contenders edge,nginx,varnish]
#                [--objects 100000] [--collapse-requests 1000] [--no-pin] [--heap-report] [--tls] [--help]
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v varnishd >/dev/null || missing+=(varnish)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A thousand concurrent clients and their proxied connections need more than the default 1,024 descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

dotnet build src/Cli/EdgeCache.Cli.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
dotnet build bench/ReplicationLatency/ReplicationLatency.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
dotnet build bench/EdgeBench/EdgeBench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2

exec dotnet bench/EdgeBench/bin/Release/net10.0/EdgeBench.dll \
  --edgecache "$PWD/src/Cli/bin/Release/net10.0/edgecache" \
  --replication-latency "$PWD/bench/ReplicationLatency/bin/Release/net10.0/ReplicationLatency.dll" \
  "$@"
