// The Prometheus text format, checked line by line.
#include "prometheus_check.hpp"

#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>

namespace it {

namespace {
bool name_char(char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
}
// Reads a metric name at `i`; empty when none is there.
std::string read_name(const std::string& l, std::size_t& i) {
    const auto start = i;
    while (i < l.size() && name_char(l[i], i == start))
        ++i;
    return l.substr(start, i - start);
}
// Reads {a="x",b="y"} at `i`; false when malformed.
bool read_labels(const std::string& l, std::size_t& i, std::string& why) {
    if (i >= l.size() || l[i] != '{') return true;
    ++i;
    std::set<std::string> seen;
    while (i < l.size() && l[i] != '}') {
        const auto label = read_name(l, i);
        if (label.empty() || label.find(':') != std::string::npos)
            return why = "bad label name", false;
        if (!seen.insert(label).second) return why = "label " + label + " twice", false;
        if (i + 1 >= l.size() || l[i] != '=' || l[i + 1] != '"')
            return why = "expected =\" after " + label, false;
        i += 2;
        for (; i < l.size() && l[i] != '"'; ++i)
            if (l[i] == '\\') {
                if (i + 1 >= l.size() || (l[i + 1] != '\\' && l[i + 1] != '"' && l[i + 1] != 'n'))
                    return why = "bad escape in a label value", false;
                ++i;
            }
        if (i >= l.size()) return why = "unterminated label value", false;
        ++i;
        if (i < l.size() && l[i] == ',') ++i;
    }
    if (i >= l.size()) return why = "unterminated labels", false;
    ++i;
    return true;
}
bool parse_value(const std::string& v, double& out) {
    if (v == "NaN" || v == "+Inf" || v == "-Inf") return out = 0, true;
    char* end = nullptr;
    out = std::strtod(v.c_str(), &end);
    return !v.empty() && end == v.c_str() + v.size();
}
} // namespace

Exposition check_prometheus(const std::string& text) {
    Exposition e;
    if (text.empty() || text.back() != '\n') {
        e.error = "no final newline";
        return e;
    }
    std::istringstream in(text);
    std::set<std::string> helped, done;
    std::string family; // the family whose samples come now
    int n = 0;
    const auto fail = [&](const std::string& why) {
        e.error = "line " + std::to_string(n) + ": " + why;
        return e;
    };
    for (std::string l; std::getline(in, l);) {
        ++n;
        if (l.empty()) continue;
        if (l[0] == '#') {
            std::istringstream c(l);
            std::string hash, what, name, rest;
            c >> hash >> what >> name;
            std::getline(c, rest);
            if (what != "HELP" && what != "TYPE") continue; // a plain comment
            std::size_t i = 0;
            if (read_name(name, i) != name || name.empty()) return fail("bad metric name");
            if (what == "HELP" && !helped.insert(name).second) return fail("HELP twice");
            if (what == "TYPE") {
                static const std::set<std::string> types{" counter", " gauge", " histogram",
                                                         " summary", " untyped"};
                if (!types.count(rest)) return fail("unknown type" + rest);
                if (e.types.count(name) || done.count(name)) return fail("TYPE twice");
                if (!family.empty()) done.insert(family);
                e.types[name] = rest.substr(1);
                family = name;
            }
            continue;
        }
        std::size_t i = 0;
        const auto name = read_name(l, i);
        if (name.empty()) return fail("expected a metric name");
        std::string why;
        if (!read_labels(l, i, why)) return fail(why);
        if (name != family) return fail("sample of " + name + " outside its family's group");
        if (i >= l.size() || l[i] != ' ') return fail("expected a space before the value");
        std::istringstream rest(l.substr(i + 1));
        std::string value, timestamp, extra;
        rest >> value >> timestamp >> extra;
        double v = 0;
        if (!parse_value(value, v) || !extra.empty()) return fail("bad value '" + value + "'");
        const auto key = l.substr(0, i);
        if (e.samples.count(key)) return fail("sample " + key + " twice");
        e.samples[key] = v;
    }
    return e;
}

} // namespace it
