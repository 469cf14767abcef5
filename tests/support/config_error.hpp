#ifndef REDIAL_TESTS_SUPPORT_CONFIG_ERROR_HPP
#define REDIAL_TESTS_SUPPORT_CONFIG_ERROR_HPP

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace redial::test {

/// `e` names `key` and `value`, its message starts as every config_error's does, and contains
/// `message`.
inline void expect_error(const config_error& e, std::string_view key, std::string_view value,
                         std::string_view message) {
    EXPECT_EQ(e.key(), key);
    EXPECT_EQ(e.value(), value);
    const std::string prefix = "invalid " + std::string(key) + " \"" + std::string(value) + "\": ";
    const std::string_view what = e.what();
    EXPECT_EQ(what.substr(0, prefix.size()), prefix);
    EXPECT_NE(what.find(message), std::string_view::npos) << what;
}

} // namespace redial::test

#endif
