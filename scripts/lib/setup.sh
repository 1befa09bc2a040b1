# Shared set-up steps for scripts/run-demo and scripts/test. Sourced, not run.
# Everything here is idempotent: a second run only checks.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root for: $*" >&2; return 1; fi
}

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer with the venv module is required." >&2
  return 1
}

# ensure_venv [extra]: create .venv and install the project (with an optional extra, e.g. dev),
# every package at the version locked in constraints.txt (what CI tested).
ensure_venv() {
  local extra="${1:-}" spec="." stamp
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating virtual environment in .venv"
    "$(find_python)" -m venv "$VENV"
  fi
  stamp="$VENV/.installed-$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha1sum | cut -c1-12)-${extra:-base}"
  if [ ! -f "$stamp" ]; then
    say "Installing Lotsen and its dependencies ${extra:+($extra)}"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      -c "$ROOT/constraints.txt" -e "$ROOT$([ -n "$extra" ] && echo "[$extra]")"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

ensure_translations() {
  "$ROOT/scripts/compile-translations" >/dev/null
}

# WeasyPrint (the yearly report's PDF) needs Pango, HarfBuzz's subsetter and at least one font.
# Debian 12: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; DejaVu for the text.
# Call after ensure_venv (it checks with the venv's Python).
ensure_weasyprint_libs() {
  if python -c "import weasyprint" >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q .; then
    return 0
  fi
  say "Installing Pango and fonts for WeasyPrint (apt-get)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core
  python -c "import weasyprint" || {
    echo "WeasyPrint cannot load its libraries (Pango)." >&2; return 1; }
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "Installing Chromium for the browser tests (apt-get)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
  [ -x /usr/bin/chromium ] || { echo "Chromium is required for the browser tests." >&2; return 1; }
}

# clamd for the virus-scan tests: they start their own with a test-only signature database
# (tests/cases/test_virus_scan.py), so no signature download (freshclam) is needed.
ensure_clamav() {
  if [ ! -x /usr/sbin/clamd ] && ! command -v clamd >/dev/null; then
    say "Installing ClamAV (clamav-daemon) for the virus-scan tests (apt-get)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clamav-daemon
  fi
  [ -x /usr/sbin/clamd ] || command -v clamd >/dev/null ||
    { echo "clamd is required for the virus-scan tests." >&2; return 1; }
}

ensure_postgres() {
  local host="${PGHOST:-127.0.0.1}" port="${PGPORT:-5432}"
  if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
    if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
      say "Starting PostgreSQL"
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
      for _ in $(seq 1 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 1; done
    fi
  fi
  if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
    if ! command -v pg_isready >/dev/null; then
      echo "PostgreSQL client tools are missing (apt-get install postgresql)." >&2
    fi
    echo "PostgreSQL is required for the tests and is not reachable on $host:$port." >&2
    return 1
  fi
}

# The fault tests start their own PostgreSQL cluster (initdb, pg_ctl) and redis-server.
ensure_fault_tools() {
  local pg_bin="${LOTSEN_PG_BIN:-/usr/lib/postgresql/15/bin}" missing=()
  [ -x "$pg_bin/initdb" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing ${missing[*]} for the fault tests (apt-get)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
}

# Dovecot for the inbound e-mail tests and benchmark: they start their own instance (a config,
# passdb and Maildir in a temp folder, on a free localhost port, as an unprivileged user), so
# only the binary is needed; the system's service is not used.
ensure_dovecot() {
  if [ ! -x /usr/sbin/dovecot ] && ! command -v dovecot >/dev/null; then
    say "Installing Dovecot (dovecot-imapd) for the inbound e-mail tests (apt-get)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd
  fi
  [ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null ||
    { echo "Dovecot is required for the inbound e-mail tests." >&2; return 1; }
  command -v openssl >/dev/null || { echo "openssl is required (test certificate)." >&2; return 1; }
}

# The single sign-on tests run a real OpenID Connect provider: node oidc-provider, at the version
# locked in tests/sso/provider/package-lock.json, installed into that folder's node_modules (the
# npm registry, no other download). Needs Node.js 20 or newer with npm (this machine kind ships
# them; elsewhere apt-get brings the distribution's, which must be new enough).
ensure_oidc_provider() {
  local folder="$ROOT/tests/sso/provider" stamp missing=()
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing ${missing[*]} for the single sign-on tests (apt-get)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    { echo "Node.js 20 or newer is required for the single sign-on tests." >&2; return 1; }
  stamp="$folder/node_modules/.installed-$(sha1sum "$folder/package-lock.json" | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    say "Installing the test OpenID provider (npm ci in tests/sso/provider)"
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}
