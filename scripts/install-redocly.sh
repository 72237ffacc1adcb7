#!/usr/bin/env bash
# Installs Redocly's CLI (the npm package @redocly/cli), the OpenAPI linter
# the tests run on the server's document, into .tools/redocly/ at the top
# of the work tree (git-ignored), from the npm registry through npm. Does
# nothing when that version is there already. Needs npm (Node.js 20 or
# later); without it, exits 3 so that callers can tell.
set -euo pipefail

version=2.77.0
root=$(cd "$(dirname "$0")/.." && pwd)
prefix="$root/.tools/redocly"
bin="$prefix/node_modules/.bin/redocly"

if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | head -n 1)" = "$version" ]; then
	exit 0
fi
if ! command -v npm >/dev/null; then
	echo "npm is missing: install Node.js and npm to install Redocly's CLI (the OpenAPI linter the tests run)." >&2
	exit 3
fi
echo "installing @redocly/cli@$version into $prefix ..." >&2
mkdir -p "$prefix"
# Its own cache under .tools, so that the install needs nothing of the
# user's npm set-up but the registry.
npm install --prefix "$prefix" --cache "$root/.tools/npm-cache" --no-audit --no-fund \
	--no-save --loglevel=error "@redocly/cli@$version" >&2
"$bin" --version >/dev/null 2>&1
