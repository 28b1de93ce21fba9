// The regular expressions of the filter's `~` operator: ECMAScript syntax without
// back-references, checked before they are compiled so that no pattern a user can type
// costs more than its size times the length of the text it searches. libstdc++'s default
// matcher backtracks (`(a*)*b` takes exponential time: found by fuzzing), and its search
// restarts at every position (quadratic); here a search is one breadth-first pass, which
// cannot follow back-references. libstdc++'s own limit on a pattern's size (100,000
// states) still allows searches of seconds per kilobyte, so a tighter one is checked first.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace om {

// The most steps a `~` pattern may expand to: each character, class or group is one step,
// and a repeat counts what it repeats once per repetition it may make (`[a-z]{1000}` is
// over). A search then costs at most this many steps per character of the text searched.
inline constexpr std::size_t kMaxRegexSteps = 1000;

// What makes a pattern unfit, and where (a 0-based offset into it).
struct RegexProblem {
    std::size_t at;
    std::string what;
};

// The first problem found in `pattern` before compiling it: a number of more than 9 digits
// (libstdc++ reads back-references and repeat counts with no overflow check), or more than
// kMaxRegexSteps steps; nullopt when it may be compiled. Syntax is left to the compiler.
std::optional<RegexProblem> check_regex(std::string_view pattern);

// A compiled `~` pattern; copies share it.
class SearchRegex {
  public:
    // Compiles a pattern that passed check_regex; throws std::regex_error on bad syntax
    // and on back-references.
    static SearchRegex compile(const std::string& pattern);

    // True when the pattern matches somewhere in text (std::regex_search's answer), in one
    // pass over it.
    bool found_in(const std::string& text) const;

  private:
    std::shared_ptr<const std::regex> anywhere_;
};

} // namespace om
