#!/bin/sh
# Mamori agent installer. The Mamori server serves this file with its own URL
# filled in below, so that one line installs the agent on a host:
#
#   curl -fsSL http://SERVER:8080/agent/install.sh | sh -s -- --key KEY
#   wget -qO- http://SERVER:8080/agent/install.sh | sh -s -- --key KEY
#
# It downloads SERVER/agent/mamori-agent, checks that it is the agent script,
# installs it as /usr/local/sbin/mamori-agent (mode 755) and runs
# "mamori-agent install --server SERVER --key KEY", which registers the host,
# schedules a daily report and sends a first one.
#
# Options: --key KEY (required), --server URL (overrides the built-in one),
# --cacert FILE (private CA, also kept for the agent), --config FILE; any other
# option is passed on to "mamori-agent install" (e.g. --scheduler, --no-report).
# Environment: MAMORI_AGENT_DESTDIR prefixes the install path (tests),
# MAMORI_AGENT_HTTP = curl | wget | busybox picks the download client.
#
# shellcheck shell=sh

SERVER='@@MAMORI_SERVER@@'
# served as a plain file (placeholder not replaced): no built-in server
case $SERVER in @@*@@) SERVER= ;; esac

say() { printf 'mamori-agent install.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

KEY=
CACERT=
CONFIG=
EXTRA=
# pass-through options, kept as a quoted list for eval
add_extra() {
	EXTRA="$EXTRA '$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'"
}

while [ $# -gt 0 ]; do
	case $1 in
	--key | --server | --cacert | --config)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--key) KEY=$2 ;;
		--server) SERVER=$2 ;;
		--cacert) CACERT=$2 ;;
		--config) CONFIG=$2 ;;
		esac
		shift 2
		;;
	--key=*) KEY=${1#*=}; shift ;;
	--server=*) SERVER=${1#*=}; shift ;;
	--cacert=*) CACERT=${1#*=}; shift ;;
	--config=*) CONFIG=${1#*=}; shift ;;
	-h | --help)
		sed -n '2,17s/^# \{0,1\}//p' "$0" 2>/dev/null ||
			echo 'usage: sh install.sh --key KEY [--server URL] [--cacert FILE]'
		exit 0
		;;
	*) add_extra "$1"; shift ;;
	esac
done

[ -n "$KEY" ] || die "--key KEY is required"
[ -n "$SERVER" ] || die "--server URL is required (this copy of install.sh has no built-in server)"
case $SERVER in
http://?* | https://?*) ;;
*) die "server URL must start with http:// or https://: $SERVER" ;;
esac
SERVER=${SERVER%/}
DESTDIR=${MAMORI_AGENT_DESTDIR:-}
DESTDIR=${DESTDIR%/}
if [ -z "$DESTDIR" ] && [ "$(id -u 2>/dev/null)" != 0 ]; then
	die "run as root (e.g. ... | sudo sh -s -- --key KEY)"
fi
if [ -n "$CACERT" ]; then
	case $CACERT in /*) ;; *) CACERT=$(pwd)/$CACERT ;; esac
	[ -r "$CACERT" ] || die "cannot read $CACERT"
fi

DEST=$DESTDIR/usr/local/sbin/mamori-agent
TMPF=$(mktemp "${TMPDIR:-/tmp}/mamori-agent.XXXXXX") || die "cannot create a temporary file"
trap 'rm -f "$TMPF"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

URL=$SERVER/agent/mamori-agent
client=${MAMORI_AGENT_HTTP:-auto}
if [ "$client" = auto ]; then
	if have curl; then client=curl; elif have wget; then client=wget; else client=busybox; fi
fi
case $client in
curl)
	have curl || die "curl is not installed"
	set -- -fsS -o "$TMPF"
	[ -z "$CACERT" ] || set -- "$@" --cacert "$CACERT"
	curl "$@" "$URL" || die "cannot download $URL"
	;;
wget | busybox)
	if [ "$client" = wget ] && wget --version 2>/dev/null | grep -q 'GNU Wget'; then
		set -- wget -q -O "$TMPF"
		[ -z "$CACERT" ] || set -- "$@" "--ca-certificate=$CACERT"
	else
		[ -z "$CACERT" ] || die "busybox wget cannot use --cacert; install curl or GNU wget"
		if [ "$client" = busybox ]; then set -- busybox wget; else set -- wget; fi
		set -- "$@" -q -O "$TMPF"
	fi
	"$@" "$URL" || die "cannot download $URL"
	;;
*) die "MAMORI_AGENT_HTTP must be curl, wget or busybox" ;;
esac

IFS= read -r first_line <"$TMPF" || :
case $first_line in
'#!/bin/sh'*) ;;
*) die "$URL is not a shell script; is $SERVER a Mamori server?" ;;
esac
grep -q '^MAMORI_AGENT_VERSION=' "$TMPF" || die "$URL is not the mamori-agent script"
sh -n "$TMPF" || die "$URL has syntax errors (truncated download?)"

(umask 022 && mkdir -p "${DEST%/*}") || die "cannot create ${DEST%/*}"
{ cp "$TMPF" "$DEST.tmp.$$" && chmod 755 "$DEST.tmp.$$" && mv -f "$DEST.tmp.$$" "$DEST"; } || {
	rm -f "$DEST.tmp.$$"
	die "cannot install $DEST"
}
say "installed $DEST ($(sed -n 's/^MAMORI_AGENT_VERSION=//p' "$DEST"))"

set -- install --server "$SERVER" --key "$KEY"
[ -z "$CACERT" ] || set -- "$@" --cacert "$CACERT"
[ -z "$CONFIG" ] || set -- "$@" --config "$CONFIG"
eval "set -- \"\$@\" $EXTRA"
rm -f "$TMPF"
trap - EXIT
exec "$DEST" "$@"
