#!/usr/bin/env bash
# Builds a small Java runtime to ship to a GPU host that has no Java of its own.
# Usage: run/gpu/make-jre.sh [OUTPUT_DIR] [MODULES]
#   OUTPUT_DIR defaults to .jre (keep it out of git: add "/.jre/" to .git/info/exclude)
#   MODULES    defaults to what a JavaCPP + Felix + Jolokia process needs; pass a shorter list to save space
# Needs the Temurin 25 JDK (links from its own run-time image, no jmods needed) and binutils' strip.
set -euo pipefail
out="${1:-.jre}"
mods="${2:-java.base,java.logging,java.management,java.naming,java.net.http,java.xml,jdk.httpserver,jdk.unsupported,jdk.management}"
jdk="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -x "$jdk/bin/jlink" ] || { echo "no JDK 25 at $jdk (set JDK25)" >&2; exit 2; }
rm -rf "$out"
"$jdk/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-9 --output "$out"
# drop native symbol tables, and turn links into files (links do not travel to the GPU machine)
find "$out" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper -o -name jexec \) \
  -exec sh -c 'file "$1" | grep -q ELF && strip --strip-unneeded "$1" || true' sh {} \;
find "$out" -type l -exec sh -c 't=$(readlink -f "$1"); rm "$1"; cp "$t" "$1"' sh {} \;
du -sh "$out"
