// Checking and compiling the filter's regular expressions (see filter_regex.hpp).
#include "filter_regex.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace om {

namespace {

constexpr std::size_t kOver = kMaxRegexSteps + 1;

// Step counts saturate just over the limit, so that no product of repeats overflows.
std::size_t capped(std::size_t n) {
    return std::min(n, kOver);
}

// One group being read: the steps of what it holds so far, and of its last piece (what a
// repeat that follows applies to).
struct Group {
    std::size_t steps = 0;
    std::size_t last = 0;
};

// A brace `{...}` starting at pattern[at]: the repetitions it allows when it is a repeat
// count ({n}, {n,}, {n,m}: nullopt otherwise, which the compiler refuses), the offset after
// it, and the offset of a number of more than 9 digits in it (npos when there is none).
struct Brace {
    std::optional<std::size_t> times;
    std::size_t end;
    std::size_t overlong = std::string_view::npos;
};

Brace read_brace(std::string_view p, std::size_t at) {
    Brace b;
    const auto close = p.find('}', at);
    b.end = close == std::string_view::npos ? p.size() : close + 1;
    const auto body =
        p.substr(at + 1, (close == std::string_view::npos ? p.size() : close) - at - 1);
    // libstdc++ reads every digit run inside braces as a number, whatever surrounds it.
    for (std::size_t i = 0; i < body.size();) {
        if (!std::isdigit(static_cast<unsigned char>(body[i]))) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < body.size() && std::isdigit(static_cast<unsigned char>(body[j])))
            ++j;
        if (j - i > 9) {
            b.overlong = at + 1 + i;
            return b;
        }
        i = j;
    }
    if (close == std::string_view::npos) return b;
    const auto number = [](std::string_view s) -> std::optional<std::size_t> {
        std::size_t n = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
        return n;
    };
    const auto comma = body.find(',');
    const auto low = number(body.substr(0, comma));
    if (!low) return b;
    if (comma == std::string_view::npos) {
        b.times = *low;
    } else if (comma + 1 == body.size()) {
        b.times = *low + 1; // {n,}: n copies, then a loop
    } else if (const auto high = number(body.substr(comma + 1))) {
        b.times = std::max(*low, *high);
    }
    return b;
}

} // namespace

std::optional<RegexProblem> check_regex(std::string_view p) {
    const auto digit = [&](std::size_t i) {
        return i < p.size() && std::isdigit(static_cast<unsigned char>(p[i]));
    };
    std::vector<Group> open(1);
    const auto add = [&](std::size_t steps) {
        auto& g = open.back();
        g.steps = capped(g.steps + steps);
        g.last = steps;
    };
    // libstdc++ copies what a brace repeat applies to once per repetition it may make (`*`,
    // `+` and `?` make no copy: times 1), plus one state for the loop or the choice.
    const auto repeat = [&](std::size_t times) {
        auto& g = open.back();
        const auto r = capped(g.last * times + 1);
        g.steps = capped(g.steps - g.last + r);
        g.last = r;
    };
    const auto total = [&] {
        std::size_t t = 0;
        for (const auto& g : open)
            t = capped(t + g.steps);
        return t;
    };
    const auto overlong = [](std::size_t at) {
        return RegexProblem{at, "a back-reference or repeat count of more than 9 digits"};
    };

    bool after_repeat = false;
    for (std::size_t i = 0; i < p.size();) {
        const std::size_t start = i;
        bool repeated = false;
        switch (p[i]) {
        case '\\':
            if (digit(i + 1)) {
                std::size_t end = i + 1;
                while (digit(end))
                    ++end;
                if (end - i - 1 > 9) return overlong(i + 1);
                i = end;
            } else {
                i += 2; // an escaped character: never a brace or a repeat
            }
            add(1);
            break;
        case '[': {
            // A class is one step whatever it holds; `]` right after `[` closes it.
            std::size_t j = i + 1;
            while (j < p.size() && p[j] != ']')
                j += p[j] == '\\' ? 2 : 1;
            i = std::min(j + 1, p.size());
            add(1);
            break;
        }
        case '(':
            // A group's own two steps count from its opening, so that an unclosed one
            // costs too (libstdc++ compiles groups recursively: depth must stay small).
            open.push_back(Group{2, 0});
            ++i;
            break;
        case ')':
            if (open.size() > 1) {
                const auto inner = open.back().steps;
                open.pop_back();
                add(inner);
            } else {
                add(1); // unbalanced: the compiler refuses it
            }
            ++i;
            break;
        case '|':
            open.back().steps = capped(open.back().steps + 1);
            open.back().last = 0;
            ++i;
            break;
        case '*':
        case '+':
        case '?':
            // The `?` that makes a repeat lazy costs nothing more.
            if (!(p[i] == '?' && after_repeat)) {
                repeat(1);
                repeated = true;
            }
            ++i;
            break;
        case '{': {
            const auto b = read_brace(p, i);
            if (b.overlong != std::string_view::npos) return overlong(b.overlong);
            if (b.times) {
                repeat(*b.times);
                repeated = true;
            } else {
                add(1);
            }
            i = b.end;
            break;
        }
        default:
            add(1);
            ++i;
        }
        after_repeat = repeated;
        if (total() > kMaxRegexSteps)
            return RegexProblem{start, "too large: more than " + std::to_string(kMaxRegexSteps) +
                                           " steps, a repeat counting its part once per "
                                           "repetition"};
    }
    return std::nullopt;
}

SearchRegex SearchRegex::compile(const std::string& pattern) {
    // __polynomial: libstdc++'s breadth-first matcher, which refuses back-references.
    constexpr auto flags = std::regex::ECMAScript | std::regex_constants::__polynomial;
    // The pattern alone first, so that its own syntax is judged (`a)(b` must not pass
    // once wrapped in a group).
    [[maybe_unused]] const std::regex alone(pattern, flags);
    // A whole match of "anything, lazily; the pattern; anything" says what a search does,
    // in one pass: `^` and `$` still hold only at the ends of the text.
    SearchRegex r;
    r.anywhere_ =
        std::make_shared<const std::regex>("[\\s\\S]*?(?:" + pattern + ")[\\s\\S]*", flags);
    return r;
}

bool SearchRegex::found_in(const std::string& text) const {
    return std::regex_match(text, *anywhere_);
}

} // namespace om
