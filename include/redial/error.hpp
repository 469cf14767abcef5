#ifndef REDIAL_ERROR_HPP
#define REDIAL_ERROR_HPP

#include <stdexcept>
#include <string>
#include <string_view>

namespace redial {

/// Thrown for bad input: a configuration value, a flag, an environment variable or a policy
/// parameter. Carries the key and the offending value so the message can be acted on.
class config_error : public std::invalid_argument {
public:
    config_error(std::string_view key, std::string_view value, std::string_view why)
        : std::invalid_argument(compose(key, value, why)), key_(key), value_(value) {}

    [[nodiscard]] const std::string& key() const noexcept { return key_; }
    [[nodiscard]] const std::string& value() const noexcept { return value_; }

private:
    static std::string compose(std::string_view key, std::string_view value, std::string_view why) {
        std::string s = "invalid ";
        s.append(key).append(" \"").append(value).append("\": ").append(why);
        return s;
    }

    std::string key_;
    std::string value_;
};

} // namespace redial

#endif
