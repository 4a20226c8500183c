#!/usr/bin/env bash
# Builds the two EdgeCache packages into OUT (default ./artifacts):
#   OUT/EdgeCache.Cli.<version>.nupkg     a .NET tool:  dotnet tool install -g EdgeCache.Cli --add-source OUT
#   OUT/edgecache-linux-x64.tar.gz        self-contained: no .NET needed on the machine; run ./edgecache-linux-x64/edgecache
# Intermediate files go under OUT/build, so packaging never disturbs a developer's own build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts}" && cd "${1:-$root/artifacts}" && pwd)"
build="$out/build"

dotnet pack "$root/src/Cli/EdgeCache.Cli.csproj" -c Release --artifacts-path "$build/tool" -o "$out" -v quiet -nologo
dotnet publish "$root/src/Cli/EdgeCache.Cli.csproj" -c Release -r linux-x64 --self-contained \
  -p:PackAsTool=false --artifacts-path "$build/linux-x64" -o "$out/edgecache-linux-x64" -v quiet -nologo
tar -czf "$out/edgecache-linux-x64.tar.gz" -C "$out" edgecache-linux-x64
rm -rf "$build"
echo "tool:           $(ls "$out"/EdgeCache.Cli.*.nupkg)"
echo "self-contained: $out/edgecache-linux-x64.tar.gz"
