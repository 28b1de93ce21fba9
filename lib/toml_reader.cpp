// Reading TOML tables with file:line errors and warnings for unknown keys.
#include "toml_reader.hpp"

#include "curve.hpp"
#include "file_text.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <simdjson.h>
#include <sstream>

namespace om {

namespace {
// The first line of a toml11 message, without its "[error] " tag.
std::string first_line(const std::string& s) {
    auto line = s.substr(0, s.find('\n'));
    const std::string tag = "[error] ";
    if (line.starts_with(tag)) line = line.substr(tag.size());
    return line;
}

// The 1-based number of the first line of `text` that is not valid UTF-8, or 0 when all of
// it is. Checked line by line, which is exact: no UTF-8 sequence contains a newline byte.
std::size_t first_bad_utf8_line(const std::string& text) {
    if (simdjson::validate_utf8(text.data(), text.size())) return 0;
    std::size_t line = 1;
    for (std::size_t start = 0;; ++line) {
        const auto end = std::min(text.find('\n', start), text.size());
        if (end == text.size() || !simdjson::validate_utf8(text.data() + start, end - start))
            return line;
        start = end + 1;
    }
}
} // namespace

toml::value read_toml(const std::string& path) {
    const auto text = read_file_text(path);
    if (!text) throw ConfigError(path + ":0: cannot open the file");
    // TOML is UTF-8. The check comes before toml11's own, because toml11 3.7's report of a
    // bad byte in a string reads outside its buffer (found by fuzz_config).
    if (const auto line = first_bad_utf8_line(*text))
        throw ConfigError(fmt::format("{}:{}: not valid UTF-8", path, line));
    std::istringstream in(*text);
    try {
        return toml::parse(in, path);
    } catch (const toml::syntax_error& e) {
        throw ConfigError(
            fmt::format("{}:{}: {}", path, e.location().line(), first_line(e.what())));
    } catch (const std::exception& e) {
        throw ConfigError(path + ":0: " + first_line(e.what()));
    }
}

TomlTable::TomlTable(const toml::value& root, std::string name, std::string file)
    : name_(std::move(name)), file_(std::move(file)) {
    if (!root.contains(name_)) return;
    const auto& v = root.at(name_);
    if (!v.is_table()) throw ConfigError(where(v) + "[" + name_ + "] must be a table");
    table_ = &v;
}

TomlTable TomlTable::of(const toml::value& table, std::string name, std::string file) {
    TomlTable t(std::move(name), std::move(file));
    if (!table.is_table()) throw ConfigError(t.where(table) + "[" + t.name_ + "] must be a table");
    t.table_ = &table;
    return t;
}

std::string TomlTable::where(const toml::value& v) const {
    return fmt::format("{}:{}: ", file_, v.location().line());
}

const toml::value* TomlTable::get(const std::string& key) {
    known_.insert(key);
    if (!table_ || !table_->contains(key)) return nullptr;
    return &table_->at(key);
}

void TomlTable::str(const std::string& key, std::string& out) {
    if (auto v = get(key)) {
        if (!v->is_string()) throw ConfigError(where(*v) + key_name(key) + " must be a string");
        out = v->as_string().str;
    }
}

void TomlTable::duration(const std::string& key, Millis& out) {
    if (auto v = get(key)) {
        try {
            if (v->is_string())
                out = parse_duration(v->as_string().str);
            else if (v->is_integer() && v->as_integer() >= 0)
                out = Millis(v->as_integer() * 1000);
            else
                throw ConfigError(where(*v) + key_name(key) + " must be a duration such as \"5s\"");
        } catch (const DurationError& e) {
            throw ConfigError(where(*v) + key_name(key) + ": " + e.what());
        }
    }
}

void TomlTable::strings(const std::string& key, std::vector<std::string>& out, bool allow_empty) {
    if (auto v = get(key)) {
        if (v->is_string()) {
            out = {v->as_string().str};
            return;
        }
        if (!v->is_array())
            throw ConfigError(where(*v) + key_name(key) + " must be a string or a list of strings");
        std::vector<std::string> items;
        for (const auto& e : v->as_array()) {
            if (!e.is_string())
                throw ConfigError(where(e) + key_name(key) + " must hold strings only");
            items.push_back(e.as_string().str);
        }
        if (items.empty() && !allow_empty)
            throw ConfigError(where(*v) + key_name(key) + " must not be empty");
        out = std::move(items);
    }
}

void TomlTable::key(const std::string& key, std::string& out) {
    str(key, out);
    if (!out.empty() && !valid_curve_key(out))
        throw ConfigError(where(*get(key)) + key_name(key) +
                          " must be a CURVE key: 40 characters of Z85");
}

void TomlTable::key_table(const std::string& key, std::map<std::string, std::string>& key_to_name) {
    if (auto v = get(key)) {
        if (!v->is_table())
            throw ConfigError(where(*v) + key_name(key) + " must be a table of name = KEY");
        for (const auto& [name, k] : v->as_table()) {
            const std::string& node = name; // clang 14 captures no structured binding
            const auto bad = [&](const toml::value& at) {
                return ConfigError(where(at) + key_name(key + "." + node) +
                                   " must be a CURVE public key (40 characters of Z85) or "
                                   "a list of them");
            };
            std::vector<const toml::value*> keys;
            if (k.is_array()) {
                for (const auto& e : k.as_array())
                    keys.push_back(&e);
                if (keys.empty()) throw bad(k);
            } else {
                keys.push_back(&k);
            }
            for (const auto* e : keys) {
                if (!e->is_string() || !valid_curve_key(e->as_string().str)) throw bad(*e);
                if (!key_to_name.emplace(e->as_string().str, name).second)
                    throw ConfigError(where(*e) + key_name(key + "." + name) +
                                      ": this key is already bound to another node");
            }
        }
    }
}

void TomlTable::warn_unknown(std::vector<std::string>& warnings) const {
    if (!table_) return;
    for (const auto& [k, v] : table_->as_table()) {
        if (!known_.count(k))
            warnings.push_back(where(v) + "unknown key '" + name_ + "." + k + "', ignored");
    }
}

void warn_unknown_tables(const toml::value& root, const std::set<std::string>& tables,
                         const std::string& file, std::vector<std::string>& warnings) {
    for (const auto& [k, v] : root.as_table()) {
        if (!tables.count(k))
            warnings.push_back(fmt::format("{}:{}", file, v.location().line()) +
                               ": unknown table or key '" + k + "', ignored");
    }
}

void toml_guarded(const std::string& file, const std::function<void()>& fn) {
    try {
        fn();
    } catch (const toml::exception& e) {
        throw ConfigError(
            fmt::format("{}:{}: {}", file, e.location().line(), first_line(e.what())));
    }
}

} // namespace om
