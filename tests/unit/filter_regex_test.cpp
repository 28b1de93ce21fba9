// Tests of lib/filter_regex: what a `~` pattern may cost, and that searches do not backtrack.
#include "filter_regex.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace om;

namespace {
// The offset check_regex refuses `pattern` at; npos when it accepts it.
std::size_t refused_at(const std::string& pattern) {
    const auto problem = check_regex(pattern);
    return problem ? problem->at : std::string::npos;
}
} // namespace

TEST_CASE("everyday patterns pass the check") {
    for (const auto* p :
         {"^ha[0-9]+$", "(up|down|warn)", "^instance_", "a*?b", "(?:ab)+c", "[a-z]{3,8}",
          "\\d{4}-\\d{2}", "[]a]", "\\{12345678901234567890", "12345678901234567890", ""})
        CHECK(refused_at(p) == std::string::npos);
}

TEST_CASE("a repeat counts its part once per repetition") {
    CHECK(refused_at("[a-z]{999}") == std::string::npos); // 999 copies + the loop: 1,000
    CHECK(refused_at("[a-z]{1000}") == 5);                // the repeat is where it is over
    CHECK(refused_at("x[a-z]{1,1000}") == 6);
    CHECK(refused_at("(a{100}){100}") == 8);
    CHECK(refused_at("(a{10}){10}") == std::string::npos);
    CHECK(refused_at("a{999}?") == std::string::npos); // a lazy repeat costs no more
    // Groups count from their opening: nesting stays shallow even when never closed.
    CHECK(refused_at(std::string(499, '(') + "a") == std::string::npos);
    CHECK(refused_at(std::string(1000, '(')) == 500);
    // Stacked repeats (libstdc++ accepts them) make no copies: cheap in the breadth-first
    // matcher, though they hung the backtracking one (found by fuzzing).
    CHECK(refused_at("m*" + std::string(40, '+') + "a") == std::string::npos);
    CHECK(check_regex("[a-z]{1000}")->what == "too large: more than 1000 steps, a repeat "
                                              "counting its part once per repetition");
}

TEST_CASE("numbers libstdc++ would overflow reading are refused where they start") {
    CHECK(refused_at("x\\12345678901234567890") == 2);
    CHECK(refused_at("x{1,99999999999999999999}") == 4);
    CHECK(refused_at("x{,12345678901}") == 3);
    CHECK(check_regex("x\\1234567890")->what ==
          "a back-reference or repeat count of more than 9 digits");
}

TEST_CASE("a search finds what std::regex_search finds") {
    const std::string texts[] = {"",     "up",  "warn",    "ha1 up", "instance_3",
                                 "a\nb", "xup", "up down", "aab",    "{\"a\":1}"};
    for (const auto* p : {"up", "^up", "up$", "^up$", "u|d", "\\bup", "\\Bup", "a.b", "a\\nb", "",
                          "(?=a)a", "(?!u)\\w+", "^$", "\\d", "a*b", "^(?:a|i)", "\"a\":1"}) {
        const auto re = SearchRegex::compile(p);
        const std::regex plain(p, std::regex::ECMAScript);
        for (const auto& t : texts) {
            INFO("pattern " << p << ", text " << t);
            CHECK(re.found_in(t) == std::regex_search(t, plain));
        }
    }
}

TEST_CASE("a search does not backtrack, nor start again at every position") {
    // Exponential in a backtracking matcher: this test would not end.
    const auto nested = SearchRegex::compile("(a*)*b");
    CHECK_FALSE(nested.found_in(std::string(2000, 'a') + "c"));
    CHECK(nested.found_in(std::string(2000, 'a') + "b"));
    const auto stacked = SearchRegex::compile("m*" + std::string(40, '+') + "a");
    CHECK_FALSE(stacked.found_in(std::string(2000, 'm')));
}

TEST_CASE("the pattern's own syntax is judged, and back-references are refused") {
    CHECK_THROWS_AS(SearchRegex::compile("(a)\\1"), std::regex_error);
    CHECK_THROWS_AS(SearchRegex::compile("a)(b"), std::regex_error);
    CHECK_THROWS_AS(SearchRegex::compile("a\\"), std::regex_error);
    CHECK_THROWS_AS(SearchRegex::compile("*a"), std::regex_error);
}
