// The filter grammar shared by status, wait, events and hooks:
//
//     [!]PATH[OP VALUE]      OP one of  =  !=  >  >=  <  <=  ~  in
//
// PATH is dotted; `*` matches any one key; a key holding dots or slashes is single-quoted;
// a leading '.' is ignored. A condition holds when any value matched by PATH satisfies
// `OP VALUE` (or is truthy when there is no OP); `!` negates the whole condition. VALUE is
// cast to the type of each matched value. A path that matches nothing does not hold.
// `~` searches with a bounded regular expression (see filter_regex.hpp). A filter is
// parsed once into a Filter and evaluated many times.
#pragma once

#include "filter_regex.hpp"
#include "json_path.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace om {

// Thrown by Filter::parse; what() names the 1-based position and what was expected.
struct FilterError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class FilterOp { Truthy, Eq, Ne, Gt, Ge, Lt, Le, Search, In };

// A literal prepared once for every type it may be cast to.
struct Literal {
    std::string text;
    std::optional<double> number;
    std::optional<bool> boolean;
    std::optional<json> parsed; // the text read as JSON, for lists, objects and null
};

// One path step of a pattern: a key, or `*`.
struct PatternElem {
    std::string key;
    bool any = false;
};

class Filter {
  public:
    // Parses a condition; throws FilterError on bad syntax or a bad regular expression.
    static Filter parse(std::string_view text);

    // True when the condition holds on doc.
    bool matches(const json& doc) const;

    // Calls fn(path, value) for each value the path matches, in document order.
    void for_each_match(const json& doc,
                        const std::function<void(const Path&, const json&)>& fn) const;

    // True when the path has no wildcard.
    bool is_simple_path() const;
    // The concrete path when is_simple_path(); the literal keys otherwise.
    Path simple_path() const;

    const std::vector<PatternElem>& pattern() const { return pattern_; }
    FilterOp op() const { return op_; }
    bool negated() const { return negate_; }
    const Literal& literal() const { return value_; }
    const std::string& text() const { return text_; }

    // True when one matched value satisfies OP VALUE (negation not applied).
    bool test_value(const json& v) const;

  private:
    std::string text_;
    bool negate_ = false;
    std::vector<PatternElem> pattern_;
    FilterOp op_ = FilterOp::Truthy;
    Literal value_;
    std::vector<Literal> in_list_;
    SearchRegex regex_;
};

// True for a value a condition without an operator accepts: a non-zero number, true, a
// non-empty string, list or object.
bool truthy(const json& v);

// Parses 0/1/true/false/yes/no (any case); nullopt otherwise.
std::optional<bool> parse_bool(std::string_view s);

} // namespace om
