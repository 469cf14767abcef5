#!/usr/bin/env bash
# Consumer tests: redial used the ways docs/install.md describes, by the tiny projects in
# tests/consumer/, each of which drives the machine and checks exact values:
#   find_package      after `cmake --install` into a temporary prefix (then moved elsewhere, so
#                     the installed files must be relocatable); wrong versions are refused
#   add_subdirectory  this checkout as a subdirectory: only the interface target, nothing built
#   FetchContent      FetchContent_Declare(redial SOURCE_DIR <this checkout>), no network
#   pkg-config        c++ -std=c++20 $(pkg-config --cflags redial) main.cpp, nothing else
# Each also checks where the redial headers it compiled came from (the prefix or the checkout).
# Usage: scripts/test-consumers.sh [compiler [copy-parent [ccache-base-dir]]]
#   compiler         default c++
#   copy-parent      run the tests from a copy of this checkout made in a new folder under it
#                    (the suite uses /tmp and /var/tmp: a clone may live anywhere)
#   ccache-base-dir  CCACHE_BASEDIR for that run; "copy" is the copy itself, as scripts/deps.sh
#                    sets it for a clone
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 2 ]; then
    copy=$(mktemp -d "$2/redial-clone.XXXXXX")
    trap 'rm -rf "$copy"' EXIT
    # The files a clone would have: tracked and new ones, not builds or ignored files.
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 cp --parents -t "$copy" 2>/dev/null ||
        tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$copy"
    base=${3:-}
    [ "$base" != copy ] || base=$copy
    echo "from a copy in $copy, CCACHE_BASEDIR=${base:-(unset)}"
    (cd "$copy" && CCACHE_BASEDIR=$base bash scripts/test-consumers.sh "$1")
    exit
fi
src=$(pwd)
cxx=$(command -v "${1:-c++}") || {
    echo "no compiler ${1:-c++}" >&2
    exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -nE 's/^project\(redial VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
cmake_args=(-G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror")
if command -v ccache >/dev/null; then
    cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
prefix=$work/prefix

# The file the redial headers were compiled from must be under $2 (an include directory).
# $1: a depfile, or a Ninja build directory (whose recorded dependencies are read). A relative
# path in either is relative to the directory the compiler ran in ($3; for Ninja, the build
# directory): ccache's base_dir (CCACHE_BASEDIR, or a user's ccache.conf) rewrites include
# paths that way, e.g. ../../<clone>/include from a build directory under /tmp.
check_headers_from() {
    local deps ran_in=${3:-$1}
    if [ -d "$1" ]; then deps=$(ninja -C "$1" -t deps); else deps=$(cat "$1"); fi
    local used
    used=$(grep -oE '[^ ]*/redial/core/machine\.hpp' <<<"$deps" | head -n 1)
    [ -z "$used" ] || [[ "$used" == /* ]] || used=$ran_in/$used
    if [ -z "$used" ] ||
        [ "$(realpath -e "$used")" != "$(realpath -e "$2")/redial/core/machine.hpp" ]; then
        echo "compiled against ${used:-no redial/core/machine.hpp}, not $2"
        return 1
    fi
}

# One object in the build: the consumer's main.cpp, nothing of redial's.
check_one_object() {
    local objects
    objects=$(ninja -C "$1" -t targets all | grep -cE '\.o: ' || true)
    if [ "$objects" -ne 1 ]; then
        echo "$objects objects in the consumer's build, want 1:"
        ninja -C "$1" -t targets all | grep -E '\.o: '
        return 1
    fi
}

install_redial() {
    cmake -S "$src" -B "$work/redial-build" "${cmake_args[@]}" \
        -DREDIAL_BUILD_TESTS=OFF -DREDIAL_BUILD_BENCH=OFF -DREDIAL_BUILD_EXAMPLES=OFF
    cmake --build "$work/redial-build"
    cmake --install "$work/redial-build" --prefix "$work/staging"
    mv "$work/staging" "$prefix"
    diff -r "$src/include/redial" "$prefix/include/redial"
    ls "$prefix/share/redial/cmake/redial-config-version.cmake" "$prefix/share/pkgconfig/redial.pc"
}

consumer_find_package() {
    local build=$work/find_package
    cmake -S tests/consumer/find_package -B "$build" "${cmake_args[@]}" \
        -DCMAKE_PREFIX_PATH="$prefix" -DREDIAL_VERSION="$version"
    cmake --build "$build"
    "$build/consumer"
    local found
    found=$(sed -n 's/^redial_DIR:PATH=//p' "$build/CMakeCache.txt")
    [ "$(realpath "$found")" = "$prefix/share/redial/cmake" ] || {
        echo "redial_DIR is $found"
        return 1
    }
    check_headers_from "$build" "$prefix/include"
}

consumer_subdirectory() { # add_subdirectory | FetchContent
    local build=$work/$1
    cmake -S tests/consumer/subdirectory -B "$build" "${cmake_args[@]}" \
        -DREDIAL_HOW="$1" -DREDIAL_SOURCE_DIR="$src"
    cmake --build "$build"
    "$build/consumer"
    check_one_object "$build"
    check_headers_from "$build" "$src/include"
}

consumer_pkg_config() {
    local build=$work/pkg_config
    mkdir -p "$build"
    export PKG_CONFIG_PATH=$prefix/share/pkgconfig
    [ "$(realpath "$(pkg-config --variable=pcfiledir redial)")" = "$prefix/share/pkgconfig" ]
    [ "$(pkg-config --modversion redial)" = "$version" ]
    local cflags libs
    cflags=$(pkg-config --cflags redial)
    libs=$(pkg-config --libs redial)
    echo "cflags: $cflags; libs: $libs"
    # shellcheck disable=SC2086 # the flags are words
    (cd "$build" && "$cxx" -std=c++20 -Wall -Wextra -Werror $cflags -MD -MF main.d \
        "$src/tests/consumer/pkg_config/main.cpp" -o consumer $libs)
    "$build/consumer"
    check_headers_from "$build/main.d" "$prefix/include" "$build"
}

passed=0
failed=0
# Runs one step with errexit in force (a function called from `if` would run without it).
step() { # name, command...
    local name=$1 start=$SECONDS rc=0
    shift
    set +e
    (
        set -e
        "$@"
    ) >"$work/$name.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        echo "ok      $name ($((SECONDS - start))s)"
        passed=$((passed + 1))
    else
        echo "FAILED  $name"
        tail -n 30 "$work/$name.log"
        failed=$((failed + 1))
    fi
}

echo "consumers of redial $version with $cxx"
step install install_redial
if [ "$failed" -ne 0 ]; then
    echo "consumers: not run, the install failed"
    exit 1
fi
passed=0 # the install was a prerequisite, not a consumer
step find_package consumer_find_package
step add_subdirectory consumer_subdirectory add_subdirectory
step FetchContent consumer_subdirectory FetchContent
step pkg-config consumer_pkg_config
echo "consumers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
