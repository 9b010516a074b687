#!/usr/bin/env bash
# Ensure headless Chromium (for HTML->PDF rendering tests) and pdftotext
# (poppler-utils, for asserting on generated PDFs) are installed.
#
# Idempotent: does nothing if both are already present. Installing requires root.
set -euo pipefail

CHROMIUM="${DEBRIEF_TEST_CHROMIUM:-/usr/bin/chromium}"

log() { echo "chromium.sh: $*" >&2; }

pkgs=()
# fonts-liberation is only a Recommends of chromium, but without some fonts
# rendered PDFs contain no extractable text.
[ -x "$CHROMIUM" ] || pkgs+=(chromium fonts-liberation)
command -v pdftotext >/dev/null 2>&1 || pkgs+=(poppler-utils)

if [ "${#pkgs[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		log "missing: ${pkgs[*]}; must run as root to install them."
		log "run:  sudo bash scripts/chromium.sh"
		exit 1
	fi
	# De-duplicate.
	mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
	log "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${pkgs[@]}"
fi

if [ ! -x "$CHROMIUM" ]; then
	log "$CHROMIUM still missing after install"
	exit 1
fi

echo "chromium ok: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"); $(pdftotext -v 2>&1 | head -n1)"
