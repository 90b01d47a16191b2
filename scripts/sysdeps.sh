#!/usr/bin/env bash
# Installs the Debian packages CareSys needs when they are missing (as root), or prints the
# exact apt-get line and stops (as anyone else). Usage: scripts/sysdeps.sh run|test
set -euo pipefail

# WeasyPrint: pango, and harfbuzz's subsetter (without it a CJK font takes ~6 s per PDF);
# a CJK font, without which Chinese prints as empty boxes (fonts-noto-cjk: the Serif SC face
# of the summary's body and the Sans SC of its headings and charts); a 楷体 face (AR PL UKai CN)
# for the summary's second-level headings, as official documents set them. pg_dump and
# pg_restore, which `manage.py backup` and `restore` run when the database is PostgreSQL (a few MB).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-arphic-ukai
  postgresql-client)
if [ "${1:-run}" = "test" ]; then
  # Browser tests drive Debian's Chromium; PDF pages are looked at through poppler; the roster
  # import is tested with an .xlsx that LibreOffice Calc wrote.
  packages+=(chromium poppler-utils libreoffice-calc)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "CareSys needs these Debian packages: ${missing[*]}" >&2
  echo "Run as root:  $line" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
