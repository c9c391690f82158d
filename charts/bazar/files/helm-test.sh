#!/bin/sh
# `helm test` checks through the public frontend: buy a book, then read it back through every frontend pod and
# never see the state from before the purchase (read-after-write, and proof that the catalog's invalidations
# reached every pod's cache); a repeated purchase with the same Idempotency-Key returns the same order; with an
# admin token, a stock update is likewise seen at once everywhere (it also gives back the bought copy).
# Plain POSIX sh + curl + sed. Inputs as environment variables:
#   BAZAR_URL        base URL of the frontend Service (writes go here), e.g. http://bazar-frontend.ns.svc:80
#   BAZAR_READ_URLS  space-separated base URLs reads go through (default: BAZAR_URL, which spreads them over pods)
#   BOOK_ID          the book to buy (default 1)
#   ADMIN_TOKEN      optional: also check a PATCH /books/:id
#   READS            reads per URL in each round (default 12)
#   HTTP_TIMEOUT     seconds per request (default 5)
set -eu

: "${BAZAR_URL:?BAZAR_URL must be the frontend base URL}"
BAZAR_READ_URLS=${BAZAR_READ_URLS:-$BAZAR_URL}
BOOK_ID=${BOOK_ID:-1}
ADMIN_TOKEN=${ADMIN_TOKEN:-}
READS=${READS:-12}
HTTP_TIMEOUT=${HTTP_TIMEOUT:-5}

work=$(mktemp -d "${TMPDIR:-/tmp}/bazar-helm-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

say() { printf '%s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}
die() {
  printf 'FAIL: %s\n' "$*"
  exit 1
}

# http METHOD URL [curl args…]: sets $status; the body is in $work/body, the headers in $work/headers. Cookies are
# kept like a browser keeps them: the purchase starts a customer session, and the order is that customer's.
http() {
  http_method=$1 http_url=$2
  shift 2
  status=$(curl -sS -X "$http_method" -o "$work/body" -D "$work/headers" -w '%{http_code}' \
    -b "$work/cookies" -c "$work/cookies" \
    --max-time "$HTTP_TIMEOUT" "$@" "$http_url" 2>"$work/curl-error") || status=000
  if [ "$status" = 000 ]; then : >"$work/body" && : >"$work/headers"; fi
}
body() { cat "$work/body"; }
header() { sed -n "s/^$1: *\\(.*\\)\$/\\1/Ip" "$work/headers" | tr -d '\r' | tail -n 1; }
# Top-level fields of our flat JSON answers (numbers and strings).
json_number() { sed -n "s/.*\"$1\":\\(-\\{0,1\\}[0-9][0-9.]*\\).*/\\1/p" "$work/body" | head -n 1; }
json_string() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$work/body" | head -n 1; }

# read_book URL: GET /info/BOOK_ID; sets $version, $quantity, $cache, $served.
read_book() {
  http GET "$1/info/$BOOK_ID"
  [ "$status" = 200 ] || die "GET $1/info/$BOOK_ID answered $status: $(body)$(cat "$work/curl-error")"
  version=$(json_number version)
  quantity=$(json_number quantity)
  cache=$(header X-Cache)
  served=$(header X-Served-By)
  if [ -z "$version" ] || [ -z "$quantity" ]; then die "GET /info/$BOOK_ID gave no version/quantity: $(body)"; fi
}

# expect_fresh WHAT MIN_VERSION: every read through every URL shows MIN_VERSION or newer.
expect_fresh() {
  fresh_what=$1 fresh_min=$2 fresh_reads=0
  for fresh_url in $BAZAR_READ_URLS; do
    fresh_i=0
    while [ "$fresh_i" -lt "$READS" ]; do
      read_book "$fresh_url"
      fresh_reads=$((fresh_reads + 1))
      if [ "$version" -lt "$fresh_min" ]; then
        fail "$fresh_what: $fresh_url served version $version (< $fresh_min, quantity $quantity, X-Cache $cache, X-Served-By $served): a stale cache entry survived the write"
        return
      fi
      fresh_i=$((fresh_i + 1))
    done
  done
  say "ok   $fresh_what: $fresh_reads reads through $(echo "$BAZAR_READ_URLS" | wc -w) URL(s) all show version >= $fresh_min"
}

say "Bazar helm test against $BAZAR_URL (book $BOOK_ID)"
http GET "$BAZAR_URL/readyz"
[ "$status" = 200 ] || die "GET /readyz answered $status: $(body)$(cat "$work/curl-error")"
say "ok   frontend is ready"

# Warm every pod's cache with the current state, so a missed invalidation would show as a stale HIT below.
before=0 hits=0
for warm_url in $BAZAR_READ_URLS; do
  i=0
  while [ "$i" -lt "$READS" ]; do
    read_book "$warm_url"
    [ "$version" -gt "$before" ] && before=$version
    [ "$cache" = HIT ] && hits=$((hits + 1))
    i=$((i + 1))
  done
done
[ "$hits" -gt 0 ] || fail "no cache HIT in $READS reads per URL: is the cache on?"
say "ok   book $BOOK_ID is at version $before (cache warmed, $hits hits)"

key="helm-test-$(date +%s)-$$"
http POST "$BAZAR_URL/purchase/$BOOK_ID" -H "Idempotency-Key: $key"
[ "$status" = 201 ] || die "POST /purchase/$BOOK_ID answered $status: $(body)"
order=$(json_string orderId)
[ -n "$order" ] || die "the purchase answer has no orderId: $(body)"
say "ok   bought book $BOOK_ID: order $order"

expect_fresh 'read-after-purchase' $((before + 1))

http POST "$BAZAR_URL/purchase/$BOOK_ID" -H "Idempotency-Key: $key"
if [ "$status" = 200 ] && [ "$(json_string orderId)" = "$order" ]; then
  say "ok   the repeated purchase returned the same order"
else
  fail "repeating the purchase with the same Idempotency-Key answered $status: $(body)"
fi

http GET "$BAZAR_URL/orders/$order"
if [ "$status" = 200 ]; then say "ok   order $order is listed"; else fail "GET /orders/$order answered $status: $(body)"; fi

if [ -n "$ADMIN_TOKEN" ]; then
  http PATCH "$BAZAR_URL/books/$BOOK_ID" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' --data '{"quantityDelta":1}'
  [ "$status" = 200 ] || die "PATCH /books/$BOOK_ID answered $status: $(body)"
  patched=$(json_number version)
  say "ok   gave the copy back (PATCH quantityDelta=1): version $patched"
  expect_fresh 'read-after-update' "$patched"
fi

if [ "$failures" -gt 0 ]; then
  say "$failures check(s) failed"
  exit 1
fi
say "all checks passed"
