#!/usr/bin/env bash
# Build a CPython (with the GIL, or free-threaded) and print its path.
#
#   tools/build-python.sh VERSION [--disable-gil]                       from Debian's source package
#   tools/build-python.sh --from-tarball FILE VERSION [--disable-gil]   from a CPython tarball you have
#   tools/build-python.sh --show-mirror                                 which Debian mirror it would use
#
# Registries have no free-threaded CPython, and downloads from elsewhere are not allowed, so this
# takes the upstream tarball that Debian's source package `pythonVERSION` carries (apt-get source,
# with a private deb-src list: the machine's own package lists stay untouched), or a tarball the
# user brings (e.g. Python-3.14.2.tar.xz copied from another machine), builds it into a cache
# folder outside the repository, and makes a venv there with what the backends need:
# envs/requirements-interpreter.txt, each package only where the registry has a wheel for that
# ABI (Numba has none for cp313t: the pipeline then reports its cells "not available").
#
# The Debian mirror is the one this machine's apt already uses (its deb822 .sources and one-line
# .list files, read through apt-config), so a company mirror or proxy just works. Of the versions
# that the suites list, the newest one that the mirror actually serves is taken.
#
# Both flavours of one VERSION are built from the same downloaded tarball, so that comparing them
# isolates the GIL from the version. A finished build is reused; a second call waits for a first
# one building the same thing (flock). The cache entry is VERSION[t] for Debian's source and
# VERSION[t]-<sha256 of the tarball, 12 digits> for --from-tarball, so a tarball never reuses a
# build of another source. The last line printed is the venv's python.
#
# Environment: RTG_PYTHON_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/release-the-gil/pythons),
#              RTG_DEBIAN_SUITES (default "trixie forky sid": the suites whose versions are looked at),
#              RTG_DEBIAN_MIRROR (default: the Debian mirror of this machine's apt sources).
set -euo pipefail
shopt -s inherit_errexit  # a failing $(...) stops the script too

say() { echo "build-python: $*" >&2; }
usage() {
    say "usage: $0 VERSION [--disable-gil]  |  $0 --from-tarball FILE VERSION [--disable-gil]  |  $0 --show-mirror" \
        "(VERSION like 3.13 or 3.14; FILE a CPython source tarball such as Python-3.14.2.tar.xz)"
    exit 2
}

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${RTG_PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/release-the-gil/pythons}
suites=${RTG_DEBIAN_SUITES:-trixie forky sid}
jobs=$(nproc 2>/dev/null || echo 2)

# --- the Debian mirror of this machine's apt configuration -------------------------------------------
# Prints "URI|SIGNED-BY|FILE" of the first entry (sources.list, then the parts in apt's order)
# whose suite is a Debian release (not its -security archive). Both formats: one-line .list and deb822.
debian_codenames="buzz rex bo hamm slink potato woody sarge etch lenny squeeze wheezy jessie stretch buster
    bullseye bookworm trixie forky duke sid stable testing unstable oldstable oldoldstable experimental"
apt_entries() {
    local LIST PARTS
    eval "$(apt-config shell LIST Dir::Etc::sourcelist/f PARTS Dir::Etc::sourceparts/d)"
    local files=()
    [[ -n ${LIST:-} && -f $LIST ]] && files+=("$LIST")
    if [[ -n ${PARTS:-} && -d $PARTS ]]; then
        local f
        while IFS= read -r f; do files+=("$f"); done < <(find "$PARTS" -maxdepth 1 -type f \
            \( -name '*.list' -o -name '*.sources' \) | LC_ALL=C sort)
    fi
    [[ ${#files[@]} -gt 0 ]] || return 0
    awk -v codenames="$debian_codenames" '
        function debian(suite,   base) {
            base = suite; sub(/\/.*$/, "", base)
            if (base ~ /-security$/) return 0
            sub(/-(updates|backports|backports-sloppy|proposed-updates)$/, "", base)
            return (base in known)
        }
        function emit(types, uris, suites, signed,   n, u, m, s, i) {
            if (types !~ /(^|[ \t])deb(-src)?([ \t]|$)/) return
            n = split(suites, s, /[ \t]+/)
            for (i = 1; i <= n; i++) if (debian(s[i])) {
                split(uris, u, /[ \t]+/)
                if (u[1] ~ /^(https?|ftp|file):/) { sub(/\/+$/, "", u[1]); print u[1] "|" signed "|" FILENAME; found = 1 }
                return
            }
        }
        function flush() {
            if (stanza && enabled != "no") emit(f["types"], f["uris"], f["suites"], f["signed-by"])
            delete f; stanza = 0; enabled = ""; key = ""
        }
        BEGIN { n = split(codenames, c, /[ \t\n]+/); for (i = 1; i <= n; i++) if (c[i] != "") known[c[i]] = 1 }
        FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
        found { next }
        !deb822 {
            line = $0; sub(/#.*/, "", line)
            if (line !~ /^[ \t]*deb(-src)?[ \t]/) next
            signed = ""
            if (match(line, /\[[^]]*\]/)) {
                opts = substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
                if (match(opts, /signed-by=[^ \t]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
            }
            split(line, w, /[ \t]+/); k = (w[1] == "") ? 2 : 1
            emit(w[k], w[k + 1], w[k + 2], signed); next
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { next }  # a continuation line (an embedded key block): not needed here
        {
            stanza = 1
            key = tolower($0); sub(/:.*/, "", key)
            value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
            f[key] = value
            if (key == "enabled") enabled = tolower(value)
        }
        END { flush() }
    ' "${files[@]}" | head -n 1
}

mirror_entry() {
    if [[ -n ${RTG_DEBIAN_MIRROR:-} ]]; then
        printf '%s||%s\n' "${RTG_DEBIAN_MIRROR%/}" "RTG_DEBIAN_MIRROR"
        return
    fi
    local entry
    entry=$(apt_entries)
    if [[ -z $entry ]]; then
        local LIST PARTS
        eval "$(apt-config shell LIST Dir::Etc::sourcelist/f PARTS Dir::Etc::sourceparts/d)"
        say "found no Debian mirror in this machine's apt sources (${LIST:-sources.list} and the .list and" \
            ".sources files in ${PARTS:-sources.list.d}): no entry names a Debian suite such as bookworm." \
            "Set RTG_DEBIAN_MIRROR to the URL of a Debian archive your machine reaches, or build from a" \
            "tarball you have: $0 --from-tarball FILE VERSION [--disable-gil]"
        exit 1
    fi
    echo "$entry"
}

# --- arguments ------------------------------------------------------------------------------------------
tarball_in=""
case ${1:-} in
--show-mirror)
    [[ $# -eq 1 ]] || usage
    line=$(mirror_entry) || exit 1
    IFS='|' read -r mirror signed from <<<"$line"
    echo "$mirror (from $from)"
    exit 0
    ;;
--from-tarball)
    [[ $# -ge 3 && $# -le 4 ]] || usage
    tarball_in=$2
    shift 2
    ;;
esac
[[ $# -ge 1 && $# -le 2 ]] || usage
version=$1
[[ $version =~ ^3\.[0-9]+$ ]] || usage
flavour=gil
if [[ $# -eq 2 ]]; then
    [[ $2 == --disable-gil ]] || usage
    flavour=nogil
fi
suffix=""
[[ $flavour == nogil ]] && suffix=t
mkdir -p "$cache"

# --- 1a. a tarball the user brings: check it is CPython VERSION, key the cache by its content -----------
if [[ -n $tarball_in ]]; then
    if [[ ! -f $tarball_in || ! -r $tarball_in ]]; then
        say "$tarball_in is not a readable file. Give the path of a CPython source tarball, such as" \
            "Python-$version.2.tar.xz copied from a machine that can download it."
        exit 2
    fi
    tarball_in=$(cd "$(dirname "$tarball_in")" && pwd)/$(basename "$tarball_in")
    patchlevel=$(tar -xOf "$tarball_in" --wildcards --no-anchored 'Include/patchlevel.h' 2>/dev/null) || patchlevel=""
    found=$(sed -n 's/^#define[[:space:]]*PY_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$patchlevel" | head -n 1)
    if [[ -z $found ]]; then
        say "$tarball_in is not a CPython source tarball (tar finds no Include/patchlevel.h with PY_VERSION in" \
            "it). Give the upstream source release, such as Python-$version.2.tar.xz."
        exit 2
    fi
    if [[ $found != "$version" && $found != "$version".* && $found != "$version"[a-z]* ]]; then
        say "$tarball_in holds CPython $found, not $version: give $found's minor version (${found%.*}), or" \
            "a tarball of $version."
        exit 2
    fi
    sha=$(sha256sum "$tarball_in" | cut -c1-12)
    entry=$version$suffix-$sha
else
    entry=$version$suffix
fi

# --- 1b. the upstream tarball, from Debian's source package (once per VERSION) ---------------------------
# The newest version any suite lists that the mirror actually serves; a listed but unserved one is said
# in one line. Prints the tarball's path on stdout.
fetch_source() {
    local src=$cache/src/$version
    if [[ -f $src/done ]]; then
        head -n 1 "$src/done"
        return
    fi
    local mirror signed from line
    line=$(mirror_entry) || exit 1
    IFS='|' read -r mirror signed from <<<"$line"
    [[ -z $signed && -f /usr/share/keyrings/debian-archive-keyring.gpg ]] &&
        signed=/usr/share/keyrings/debian-archive-keyring.gpg
    local apt=$cache/apt
    mkdir -p "$apt/lists/partial" "$apt/parts" "$src"
    : >"$apt/sources.list"
    local suite option=""
    [[ -n $signed ]] && option="[signed-by=$signed] "
    for suite in $suites; do
        echo "deb-src $option$mirror $suite main" >>"$apt/sources.list"
    done
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/parts"
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
    say "reading the source lists of $suites from $mirror (from $from)"
    apt-get "${opts[@]}" -qq update >&2 || {
        say "apt-get update of the source lists of $suites from $mirror failed (see above): check the mirror," \
            "or set RTG_DEBIAN_MIRROR, or build from a tarball: $0 --from-tarball FILE $version"
        exit 1
    }
    # "pythonX.Y | 3.14.10-1 | URI sid/main Sources", newest version first.
    local listed
    listed=$(apt-cache "${opts[@]}" madison "python$version" 2>/dev/null | awk -F'|' '
        $3 ~ /Sources/ { v = $2; gsub(/[ \t]/, "", v); n = split($3, w, /[ \t]+/); s = w[n - 1]; sub(/\/.*/, "", s)
                         print v "\t" s }' | sort -t $'\t' -k1,1Vr -k2,2 -u)
    if [[ -z $listed ]]; then
        say "no suite of $suites lists the source package python$version at $mirror: set RTG_DEBIAN_SUITES to" \
            "suites that have it, or build from a tarball: $0 --from-tarball FILE $version"
        exit 1
    fi
    local v s err
    while IFS=$'\t' read -r v s; do
        rm -f "$src"/*.tar.* "$src"/*.dsc "$src"/*.diff.*
        if err=$(cd "$src" && apt-get "${opts[@]}" -qq source --download-only "python$version=$v" 2>&1 >/dev/null); then
            local tarball
            tarball=$(ls "$src"/python"$version"_*.orig.tar.* | grep -v '\.asc$' | head -n 1)
            say "source: $(basename "$tarball") (Debian $s, python$version $v)"
            printf '%s\nDebian %s python%s %s\n' "$tarball" "$s" "$version" "$v" >"$src/done"
            echo "$tarball"
            return
        fi
        if grep -q '404' <<<"$err"; then
            say "Debian $s lists python$version $v, but $mirror does not serve its source files (404)"
        else
            say "Debian $s lists python$version $v, but downloading its source failed: $(tail -n 1 <<<"$err")"
        fi
    done <<<"$listed"
    rm -f "$src"/*.tar.* "$src"/*.dsc "$src"/*.diff.*
    # "sid (3.14.10-1, 3.14.9-1) and forky (3.14.8-1)": each suite once, newest first.
    local which
    which=$(awk -F'\t' '!($2 in v) { order[++n] = $2; v[$2] = $1; next } { v[$2] = v[$2] ", " $1 }
        END { for (i = 1; i <= n; i++) printf "%s%s (%s)", (i == 1 ? "" : (i == n ? " and " : ", ")), order[i], v[order[i]] }' \
        <<<"$listed")
    say "python$version is listed by Debian $which, but $mirror does not serve its source here; bring a CPython" \
        "source tarball instead: $0 --from-tarball Python-$version.N.tar.xz $version$([[ $flavour == nogil ]] && echo ' --disable-gil')"
    exit 1
}

# --- 2. configure, make, make install into the cache (once per entry) ---------------------------------
prefix=$cache/$entry/prefix
venv=$cache/$entry/venv
python=$prefix/bin/python$version$suffix
mkdir -p "$cache/$entry"
exec 9>"$cache/$entry/lock"
flock 9

if [[ ! -f $cache/$entry/built ]]; then
    if [[ -n $tarball_in ]]; then
        tarball=$tarball_in
        say "source: $tarball (CPython $found, sha256 $sha...)"
        printf 'tarball %s sha256 %s CPython %s\n' "$tarball" "$(sha256sum "$tarball" | cut -d' ' -f1)" "$found" \
            >"$cache/$entry/source"
    else
        exec 8>"$cache/src.lock"
        flock 8
        tarball=$(fetch_source)
        flock -u 8
        tail -n +2 "$cache/src/$version/done" >"$cache/$entry/source"
    fi
    work=$cache/$entry/work
    rm -rf "$work" "$prefix"
    mkdir -p "$work"
    tar -xf "$tarball" -C "$work" --strip-components=1
    configure=(--prefix="$prefix" --without-ensurepip --with-ensurepip=no)
    [[ $flavour == nogil ]] && configure+=(--disable-gil)
    say "building CPython $version ($flavour) in $work with $jobs jobs"
    (cd "$work" && ./configure -q "${configure[@]}" >&2 && make -s -j"$jobs" >&2 && make -s install >&2) \
        >"$cache/$entry/build.log" 2>&1 || {
        tail -n 30 "$cache/$entry/build.log" >&2
        say "the build failed; the whole log is $cache/$entry/build.log"
        exit 1
    }
    rm -rf "$work"
    "$python" -c 'import ssl, ctypes, sqlite3, zlib' || {
        say "$python lacks ssl, ctypes, sqlite3 or zlib: install the -dev packages (see .ci/run) and rerun"
        rm -rf "$prefix"
        exit 1
    }
    touch "$cache/$entry/built"
fi

# --- 3. a venv with the backends' packages, each where the registry has a wheel for this ABI -------
# The venv is ready for one version of the requirement files: a package added there later (threadpoolctl for
# the gallery) is installed into a venv made before, without making it again.
wanted=$(cat "$here/envs/requirements-interpreter.txt" "$here/envs/requirements.txt" | sha256sum | cut -c1-16)
if [[ ! -f $venv/ready || $(cat "$venv/ready") != "$wanted" ]]; then
    [[ -x $venv/bin/python ]] || { rm -rf "$venv"; "$python" -m venv "$venv" >&2; }
    abi=$("$venv/bin/python" -c 'import sys,sysconfig; print("cp%d%d%s" % (sys.version_info[0], sys.version_info[1], "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))')
    while read -r requirement; do
        requirement=${requirement%%#*}
        requirement=${requirement//[[:space:]]/}
        [[ -z $requirement ]] && continue
        if "$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: \
            -c "$here/envs/requirements.txt" "$requirement" >&2 2>"$venv/pip-$requirement.log"; then
            say "installed $requirement"
        else
            say "no wheel of $requirement for $abi: left out (its backend is 'not available' there)"
        fi
    done <"$here/envs/requirements-interpreter.txt"
    echo "$wanted" >"$venv/ready"
fi

"$venv/bin/python" -c 'import sys' # usable
echo "$venv/bin/python"
