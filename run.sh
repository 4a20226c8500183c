#!/usr/bin/env bash
# Quickstart: a sample upstream (samples/site served by python3's http.server on
# 127.0.0.1:8081) with an EdgeCache edge in front of it on http://127.0.0.1:8080.
# Ctrl-C stops both. Override with EDGE_LISTEN / UPSTREAM_PORT.
set -euo pipefail
cd "$(dirname "$0")"
listen=${EDGE_LISTEN:-http://127.0.0.1:8080}
upstream_port=${UPSTREAM_PORT:-8081}

# The sample files carry no Cache-Control, so the edge gives them heuristic freshness: 10% of
# the time since Last-Modified. A fresh checkout is seconds old; date the files a month back.
touch -d '30 days ago' samples/site/*

python3 -m http.server "$upstream_port" --bind 127.0.0.1 --directory samples/site >/dev/null 2>&1 &
upstream_pid=$!
trap 'kill $upstream_pid 2>/dev/null || true' EXIT

dotnet run --project src/Cli -c Release -- edge --listen "$listen" --upstream "http://127.0.0.1:$upstream_port" --cache-size 256MB
