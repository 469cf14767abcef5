// Runs a fuzz target over files without libFuzzer, so the corpus (and every crash turned into
// a seed) replays under GCC and in ctest. Usage: <target>_replay FILE|DIR...; a directory
// stands for every regular file in it. Fails when no input was found (a wrong path).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& arg) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
        for (const auto& entry : std::filesystem::directory_iterator(arg)) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end()); // a stable order for reproducible failures
    } else if (std::filesystem::is_regular_file(arg)) {
        files.push_back(arg);
    }
    return files;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto& file : inputs_of(argv[i])) {
            std::ifstream in(file, std::ios::binary);
            const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                          std::istreambuf_iterator<char>()};
            // Printed first: an input that aborts is the last name on stderr.
            std::fprintf(stderr, "replay: %s\n", file.c_str());
            // An empty input gets a valid pointer, as libFuzzer gives one.
            const char empty = 0;
            const char* data = bytes.empty() ? &empty : bytes.data();
            (void)LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data), bytes.size());
            ++count;
        }
    }
    std::printf("replayed %zu inputs\n", count);
    return count == 0 ? 1 : 0;
}
