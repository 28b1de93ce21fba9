// Parser and evaluator of the filter grammar (see filter.hpp).
#include "filter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace om {

namespace {

bool is_op_char(char c) {
    return c == '=' || c == '!' || c == '<' || c == '>' || c == '~';
}

[[noreturn]] void fail(std::string_view text, std::size_t pos, const std::string& what) {
    throw FilterError(fmt::format("filter '{}': {} at position {}", text, what, pos + 1));
}

Literal make_literal(std::string text) {
    Literal lit;
    lit.text = std::move(text);
    lit.boolean = parse_bool(lit.text);
    const char* b = lit.text.data();
    const char* e = b + lit.text.size();
    double d;
    auto [p, ec] = std::from_chars(b, e, d);
    if (!lit.text.empty() && ec == std::errc() && p == e) lit.number = d;
    auto parsed = json::parse(lit.text, nullptr, false);
    if (!parsed.is_discarded()) lit.parsed = std::move(parsed);
    return lit;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The text form a regular expression searches: strings raw, everything else as JSON.
std::string searchable(const json& v) {
    if (v.is_string()) return v.get_ref<const std::string&>();
    return v.dump();
}

// Three-way comparison of a value with a literal cast to its type; nullopt when the cast
// fails (the literal is not of a comparable form).
std::optional<int> compare(const json& v, const Literal& lit) {
    switch (v.type()) {
    case json::value_t::boolean:
        if (!lit.boolean) return std::nullopt;
        return static_cast<int>(v.get<bool>()) - static_cast<int>(*lit.boolean);
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
        if (!lit.number) return std::nullopt;
        const double a = v.get<double>();
        return a < *lit.number ? -1 : (a > *lit.number ? 1 : 0);
    }
    case json::value_t::string: {
        const int c = v.get_ref<const std::string&>().compare(lit.text);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case json::value_t::null:
        if (lit.text == "null" || lit.text.empty()) return 0;
        return std::nullopt;
    default:
        if (lit.parsed && *lit.parsed == v) return 0;
        return std::nullopt;
    }
}

void walk(const json& node, const std::vector<PatternElem>& pattern, std::size_t i, Path& path,
          const std::function<void(const Path&, const json&)>& fn) {
    if (i == pattern.size()) {
        fn(path, node);
        return;
    }
    const auto& p = pattern[i];
    if (p.any) {
        if (node.is_object()) {
            for (auto it = node.begin(); it != node.end(); ++it) {
                path.emplace_back(it.key());
                walk(it.value(), pattern, i + 1, path, fn);
                path.pop_back();
            }
        } else if (node.is_array()) {
            for (std::size_t k = 0; k < node.size(); ++k) {
                path.emplace_back(k);
                walk(node[k], pattern, i + 1, path, fn);
                path.pop_back();
            }
        }
        return;
    }
    if (node.is_object()) {
        auto it = node.find(p.key);
        if (it == node.end()) return;
        path.emplace_back(p.key);
        walk(*it, pattern, i + 1, path, fn);
        path.pop_back();
    } else if (node.is_array()) {
        std::size_t idx;
        auto [ptr, ec] = std::from_chars(p.key.data(), p.key.data() + p.key.size(), idx);
        if (p.key.empty() || ec != std::errc() || ptr != p.key.data() + p.key.size() ||
            idx >= node.size())
            return;
        path.emplace_back(idx);
        walk(node[idx], pattern, i + 1, path, fn);
        path.pop_back();
    }
}

// Any-match without building paths: the hot path of matches().
bool any_match(const json& node, const std::vector<PatternElem>& pattern, std::size_t i,
               const Filter& f) {
    if (i == pattern.size()) return f.test_value(node);
    const auto& p = pattern[i];
    if (p.any) {
        if (node.is_object() || node.is_array()) {
            for (const auto& child : node)
                if (any_match(child, pattern, i + 1, f)) return true;
        }
        return false;
    }
    if (node.is_object()) {
        auto it = node.find(p.key);
        return it != node.end() && any_match(*it, pattern, i + 1, f);
    }
    if (node.is_array()) {
        std::size_t idx;
        auto [ptr, ec] = std::from_chars(p.key.data(), p.key.data() + p.key.size(), idx);
        if (p.key.empty() || ec != std::errc() || ptr != p.key.data() + p.key.size() ||
            idx >= node.size())
            return false;
        return any_match(node[idx], pattern, i + 1, f);
    }
    return false;
}

} // namespace

std::optional<bool> parse_bool(std::string_view s) {
    const auto l = lower(s);
    if (l == "1" || l == "true" || l == "yes") return true;
    if (l == "0" || l == "false" || l == "no") return false;
    return std::nullopt;
}

bool truthy(const json& v) {
    switch (v.type()) {
    case json::value_t::null:
        return false;
    case json::value_t::boolean:
        return v.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return v.get<double>() != 0.0;
    case json::value_t::string:
        return !v.get_ref<const std::string&>().empty();
    default:
        return !v.empty();
    }
}

namespace {
// PATH at text[i]: keys separated by '.', each bare, quoted or '*'. Returns where it ends.
std::size_t parse_path(std::string_view text, std::size_t i, std::vector<PatternElem>& out) {
    while (true) {
        if (i >= text.size()) fail(text, i, "expected a key");
        PatternElem elem;
        if (text[i] == '\'') {
            const auto close = text.find('\'', i + 1);
            if (close == std::string_view::npos) fail(text, i, "unterminated quote");
            elem.key = std::string(text.substr(i + 1, close - i - 1));
            i = close + 1;
        } else {
            const auto start = i;
            while (i < text.size() && text[i] != '.' && text[i] != ' ' && !is_op_char(text[i]) &&
                   text[i] != '\'')
                ++i;
            if (i == start) fail(text, i, "expected a key");
            elem.key = std::string(text.substr(start, i - start));
            elem.any = elem.key == "*";
        }
        out.push_back(std::move(elem));
        if (i >= text.size() || text[i] != '.') return i;
        ++i;
    }
}

// The operator at text[j] (the path ended at i): the operator and its length.
std::pair<FilterOp, std::size_t> parse_op(std::string_view text, std::size_t i, std::size_t j) {
    const auto rest = text.substr(j);
    for (const auto& [word, op] : {std::pair<std::string_view, FilterOp>{">=", FilterOp::Ge},
                                   {"<=", FilterOp::Le},
                                   {"!=", FilterOp::Ne},
                                   {"=", FilterOp::Eq},
                                   {">", FilterOp::Gt},
                                   {"<", FilterOp::Lt},
                                   {"~", FilterOp::Search}})
        if (rest.starts_with(word)) return {op, word.size()};
    if (j > i && rest.starts_with("in") && (rest.size() == 2 || rest[2] == ' '))
        return {FilterOp::In, 2};
    fail(text, j,
         j > i ? "expected an operator (= != > >= < <= ~ in)"
               : "expected '.', an operator (= != > >= < <= ~ in) or the end");
}

// The list after `in`: a JSON array, else comma-separated words.
std::vector<Literal> parse_in_list(std::string_view list) {
    std::vector<Literal> out;
    auto parsed = json::parse(list, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_array()) {
        for (const auto& e : parsed)
            out.push_back(make_literal(e.is_string() ? e.get<std::string>() : e.dump()));
        return out;
    }
    std::size_t start = 0;
    while (true) {
        const auto comma = list.find(',', start);
        auto item = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        out.push_back(make_literal(std::string(item)));
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

} // namespace

Filter Filter::parse(std::string_view text) {
    Filter f;
    f.text_ = std::string(text);
    std::size_t i = 0;
    while (i < text.size() && text[i] == ' ')
        ++i;
    if (i < text.size() && text[i] == '!') {
        f.negate_ = true;
        ++i;
    }
    if (i < text.size() && text[i] == '.') ++i;
    i = parse_path(text, i, f.pattern_);

    // OP VALUE, or nothing.
    std::size_t j = i;
    while (j < text.size() && text[j] == ' ')
        ++j;
    if (j == text.size()) return f;
    const auto [op, oplen] = parse_op(text, i, j);
    f.op_ = op;
    j += oplen;
    if (f.op_ == FilterOp::In) {
        while (j < text.size() && text[j] == ' ')
            ++j;
        if (j == text.size()) fail(text, j, "expected a list after 'in'");
        f.in_list_ = parse_in_list(text.substr(j));
        return f;
    }
    // `a==1` or `a=>1` is a typo far more often than a value starting with an operator.
    if (j < text.size() && (text[j] == '=' || text[j] == '<' || text[j] == '>'))
        fail(text, j, std::string("unexpected '") + text[j] + "' after the operator");
    // An order or a pattern needs something to compare with; `a=` still means "a is empty".
    const bool needs_value = f.op_ == FilterOp::Gt || f.op_ == FilterOp::Ge ||
                             f.op_ == FilterOp::Lt || f.op_ == FilterOp::Le ||
                             f.op_ == FilterOp::Search;
    if (needs_value && text.find_first_not_of(' ', j) == std::string_view::npos)
        fail(text, j,
             "expected a value after '" + std::string(text.substr(j - oplen, oplen)) + "'");
    f.value_ = make_literal(std::string(text.substr(j)));
    if (f.op_ == FilterOp::Search) {
        if (const auto problem = check_regex(f.value_.text))
            fail(text, j + problem->at, "bad regular expression (" + problem->what + ")");
        try {
            f.regex_ = SearchRegex::compile(f.value_.text);
        } catch (const std::regex_error& e) {
            fail(text, j, std::string("bad regular expression (") + e.what() + ")");
        }
    }
    return f;
}

bool Filter::test_value(const json& v) const {
    switch (op_) {
    case FilterOp::Truthy:
        return truthy(v);
    case FilterOp::Search:
        return regex_.found_in(searchable(v));
    case FilterOp::In:
        return std::any_of(in_list_.begin(), in_list_.end(), [&](const Literal& lit) {
            auto c = compare(v, lit);
            return c && *c == 0;
        });
    case FilterOp::Ne: {
        auto c = compare(v, value_);
        return !c || *c != 0;
    }
    default:
        break;
    }
    auto c = compare(v, value_);
    if (!c) return false;
    switch (op_) {
    case FilterOp::Eq:
        return *c == 0;
    case FilterOp::Gt:
        return *c > 0;
    case FilterOp::Ge:
        return *c >= 0;
    case FilterOp::Lt:
        return *c < 0;
    case FilterOp::Le:
        return *c <= 0;
    default:
        return false;
    }
}

bool Filter::matches(const json& doc) const {
    const bool any = any_match(doc, pattern_, 0, *this);
    return negate_ ? !any : any;
}

void Filter::for_each_match(const json& doc,
                            const std::function<void(const Path&, const json&)>& fn) const {
    Path path;
    walk(doc, pattern_, 0, path, fn);
}

bool Filter::is_simple_path() const {
    return std::none_of(pattern_.begin(), pattern_.end(),
                        [](const PatternElem& e) { return e.any; });
}

Path Filter::simple_path() const {
    Path p;
    for (const auto& e : pattern_)
        p.emplace_back(e.key);
    return p;
}

} // namespace om
