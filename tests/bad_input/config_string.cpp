// bad-input-config: a config string through redial::options_from_string and the three builders,
// as a program, so scripts/test-bad-input.sh can check config strings like the tools' flags.
// Prints the options' summary and exits 0, or prints the config_error and exits 2.
//
//   bad-input-config 'backoff-initial=250ms,jitter=full'

#include <redial/config.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: bad-input-config 'key=value,key=value'\n");
        return 2;
    }
    try {
        const redial::options o = redial::options_from_string(argv[1]);
        (void)redial::make_backoff(o);
        (void)redial::make_stability(o);
        (void)redial::make_machine_options(o);
        std::printf("%s\n", redial::describe(o).c_str());
    } catch (const redial::config_error& e) {
        std::fprintf(stderr, "bad-input-config: %s\n", e.what());
        return 2;
    }
    return 0;
}
