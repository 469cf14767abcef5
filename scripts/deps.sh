# Sourced by the quick-start scripts: installs the Debian packages redial's build needs (and
# redis-server, the real server scripts/test-redis.sh runs redial-redis against).
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
redial_packages=(cmake ninja-build g++ clang-16 clang-tidy-16 libclang-rt-16-dev ccache
    clang-format-16 pkg-config libasio-dev libboost-dev librange-v3-dev libgtest-dev libgmock-dev
    libbenchmark-dev libssl-dev openssl valgrind redis-server)

redial_install_deps() {
    local missing=()
    for p in "${redial_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "redial: missing Debian packages: ${missing[*]}" >&2
        echo "redial: run as root:  $line" >&2
        exit 1
    fi
    echo "redial: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# ccache keys on paths relative to the checkout, so a fresh clone (CI) reuses the cache.
export CCACHE_BASEDIR="$PWD"

# Configures and builds `build/` (Ninja, ccache when present) for the given targets.
redial_build() {
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
    cmake --build build --parallel "$(nproc)" ${1:+--target "$@"}
}

# Builds the unit-test binary in DIR with the sanitizer FLAGS (tests only, -O1).
redial_build_sanitized() {
    local dir=$1 flags=$2 launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREDIAL_BUILD_BENCH=OFF \
        -DREDIAL_BUILD_EXAMPLES=OFF -DREDIAL_WERROR=OFF \
        "-DCMAKE_CXX_FLAGS=-O1 -fno-omit-frame-pointer $flags" \
        "-DCMAKE_EXE_LINKER_FLAGS=$flags" "${launcher[@]}" >/dev/null
    cmake --build "$dir" --parallel "$(nproc)" --target redial_tests
}

# Builds the tests and tools in build-clang with clang 16 (the second compiler; the benchmarks
# are measured with GCC only).
redial_build_clang() {
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B build-clang -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++-16 -DREDIAL_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
    cmake --build build-clang --parallel "$(nproc)"
}
