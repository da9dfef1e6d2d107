#!/usr/bin/env bash
# Build a CPython (with the GIL, or free-threaded) from Debian's source package and print its path.
#
#   tools/build-python.sh VERSION [--disable-gil]      e.g. 3.13, or 3.13 --disable-gil
#
# Registries have no free-threaded CPython, and downloads from elsewhere are not allowed, so this
# takes the upstream tarball that Debian's source package `pythonVERSION` carries (apt-get source,
# with a private deb-src list: the machine's own package lists stay untouched), builds it into a
# cache folder outside the repository, and makes a venv there with what the backends need:
# envs/requirements-interpreter.txt, each package only where the registry has a wheel for that
# ABI (Numba has none for cp313t: the pipeline then reports its cells "not available").
#
# Both flavours of one VERSION are built from the same downloaded tarball, so that comparing them
# isolates the GIL from the version. A finished build is reused; a second call waits for a first
# one building the same thing (flock). The last line printed is the venv's python.
#
# Environment: RTG_PYTHON_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/release-the-gil/pythons),
#              RTG_DEBIAN_SUITES (default "trixie forky sid": the first that serves VERSION wins),
#              RTG_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

usage() { echo "usage: $0 VERSION [--disable-gil]   (VERSION like 3.13 or 3.14)" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
version=$1
[[ $version =~ ^3\.[0-9]+$ ]] || usage
flavour=gil
if [[ $# -eq 2 ]]; then
    [[ $2 == --disable-gil ]] || usage
    flavour=nogil
fi

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${RTG_PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/release-the-gil/pythons}
suites=${RTG_DEBIAN_SUITES:-trixie forky sid}
mirror=${RTG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
jobs=$(nproc 2>/dev/null || echo 2)
suffix=""
[[ $flavour == nogil ]] && suffix=t
mkdir -p "$cache"
say() { echo "build-python: $*" >&2; }

# --- 1. the upstream tarball, from Debian's source package (once per VERSION) ----------------------
fetch_source() {
    local src=$cache/src/$version
    if [[ -f $src/done ]]; then
        cat "$src/done"
        return
    fi
    local apt=$cache/apt
    mkdir -p "$apt/lists/partial" "$apt/parts" "$src"
    : >"$apt/sources.list"
    for suite in $suites; do
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
            >>"$apt/sources.list"
    done
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/parts"
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
    say "reading Debian's source lists ($suites)"
    apt-get "${opts[@]}" -qq update >&2
    local suite
    for suite in $suites; do
        rm -f "$src"/*.tar.* "$src"/*.dsc
        if (cd "$src" && apt-get "${opts[@]}" -qq source --download-only "python$version/$suite" >&2 2>/dev/null); then
            local tarball
            tarball=$(ls "$src"/python"$version"_*.orig.tar.* | grep -v '\.asc$' | head -n 1)
            say "source: $(basename "$tarball") (Debian $suite)"
            echo "$tarball" >"$src/done"
            echo "$tarball"
            return
        fi
        say "Debian $suite does not serve python$version's source here"
    done
    say "no suite of $suites served the source package python$version: set RTG_DEBIAN_SUITES"
    exit 1
}

# --- 2. configure, make, make install into the cache (once per VERSION and flavour) ---------------
prefix=$cache/$version$suffix/prefix
venv=$cache/$version$suffix/venv
python=$prefix/bin/python$version$suffix
mkdir -p "$cache/$version$suffix"
exec 9>"$cache/$version$suffix/lock"
flock 9

if [[ ! -f $cache/$version$suffix/built ]]; then
    exec 8>"$cache/src.lock"
    flock 8
    tarball=$(fetch_source)
    flock -u 8
    work=$cache/$version$suffix/work
    rm -rf "$work" "$prefix"
    mkdir -p "$work"
    tar -xf "$tarball" -C "$work" --strip-components=1
    configure=(--prefix="$prefix" --without-ensurepip --with-ensurepip=no)
    [[ $flavour == nogil ]] && configure+=(--disable-gil)
    say "building CPython $version ($flavour) in $work with $jobs jobs"
    (cd "$work" && ./configure -q "${configure[@]}" >&2 && make -s -j"$jobs" >&2 && make -s install >&2) \
        >"$cache/$version$suffix/build.log" 2>&1 || {
        tail -n 30 "$cache/$version$suffix/build.log" >&2
        say "the build failed; the whole log is $cache/$version$suffix/build.log"
        exit 1
    }
    rm -rf "$work"
    "$python" -c 'import ssl, ctypes, sqlite3, zlib' || {
        say "$python lacks ssl, ctypes, sqlite3 or zlib: install the -dev packages (see .ci/run) and rerun"
        rm -rf "$prefix"
        exit 1
    }
    touch "$cache/$version$suffix/built"
fi

# --- 3. a venv with the backends' packages, each where the registry has a wheel for this ABI -------
if [[ ! -f $venv/ready ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2
    while read -r requirement; do
        requirement=${requirement%%#*}
        requirement=${requirement//[[:space:]]/}
        [[ -z $requirement ]] && continue
        if "$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: \
            -c "$here/envs/requirements.txt" "$requirement" >&2 2>"$venv/pip-$requirement.log"; then
            say "installed $requirement"
        else
            say "no wheel of $requirement for $("$venv/bin/python" -c 'import sys,sysconfig; print("cp%d%d%s" % (sys.version_info[0], sys.version_info[1], "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))'): left out (its backend is 'not available' there)"
        fi
    done <"$here/envs/requirements-interpreter.txt"
    touch "$venv/ready"
fi

"$venv/bin/python" -c 'import sys' # usable
echo "$venv/bin/python"
