#!/usr/bin/env bash
# Debian's chromium and postgresql, for the browser and PostgreSQL tests (tests/servers.py looks for
# /usr/bin/chromium and initdb under /usr/lib/postgresql/*/bin). Only from Debian's apt: Playwright drives
# this Chromium, and never downloads a browser of its own.
#
# Where they cannot be installed (not root, no apt-get, apt failing) the tests that need them are skipped,
# so this says why and succeeds; under CI=true it fails instead, because CI must run those tests.
set -euo pipefail

present() {
	[[ -x /usr/bin/chromium ]] && compgen -G '/usr/lib/postgresql/*/bin/initdb' > /dev/null
}

give_up() {
	local ci=${CI:-}
	if [[ ${ci,,} == true ]]; then
		echo "system-deps: cannot install Debian's chromium and postgresql, which CI needs: $1" >&2
		exit 1
	fi
	echo "system-deps: the browser and PostgreSQL tests will be skipped: $1" >&2
	exit 0
}

present && exit 0

missing="chromium or postgresql is missing"
[[ $EUID -eq 0 ]] || give_up "$missing, and only root can install them (apt-get install chromium postgresql)"
command -v apt-get > /dev/null || give_up "$missing, and there is no apt-get to install them"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium postgresql >> "$log" 2>&1
}

echo "system-deps: installing Debian's chromium and postgresql"
# A fresh machine may have no package lists, or stale ones: update only then, it is the slow part.
if ! apt_install; then
	apt-get update >> "$log" 2>&1 && apt_install || {
		tail -n 20 "$log" >&2
		give_up "apt-get install chromium postgresql failed (its last lines are above)"
	}
fi
present || give_up "apt-get installed chromium and postgresql, yet /usr/bin/chromium or initdb is missing"
