// TomlTable: the one reader of ombus's TOML files (broker.toml, node.toml and its hooks).
// Values are read into plain structs with their checks; a wrong type or value throws a
// ConfigError naming file:line and the key. The policy for what is not known, everywhere:
// an unknown key or table is a warning `file:line: unknown key 'T.K', ignored`, so that a
// file written for a newer version still loads.
#pragma once

#include "config.hpp"
#include "duration.hpp"

#include <fmt/format.h>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <toml.hpp>
#include <vector>

namespace om {

// Parses a whole file; throws ConfigError (file:line) when it cannot be read or parsed.
toml::value read_toml(const std::string& path);

// One table of a file, such as [broker] or [hook.N]: each reader remembers its key, and
// warn_unknown() reports the others.
class TomlTable {
  public:
    // The top-level table `name` of `root`; absent, every read leaves its default.
    TomlTable(const toml::value& root, std::string name, std::string file);
    // `table` itself, named `name` (dotted) in messages.
    static TomlTable of(const toml::value& table, std::string name, std::string file);

    bool present() const { return table_ != nullptr; }
    // "file:line: " of a value, to begin a message.
    std::string where(const toml::value& v) const;
    // The value of `key`, or nullptr; the key counts as known either way.
    const toml::value* get(const std::string& key);
    // 'name.key', quoted, for messages.
    std::string key_name(const std::string& key) const { return "'" + name_ + "." + key + "'"; }

    void str(const std::string& key, std::string& out);
    // A string such as "5s" (duration.hpp), or an integer of seconds.
    void duration(const std::string& key, Millis& out);
    // An integer from min to max.
    template <class Int>
    void count(const std::string& key, Int& out, long long min = 0,
               long long max = std::numeric_limits<long long>::max()) {
        if (auto v = get(key)) {
            if (!v->is_integer() || v->as_integer() < min || v->as_integer() > max)
                throw ConfigError(
                    where(*v) + key_name(key) +
                    (max == std::numeric_limits<long long>::max()
                         ? fmt::format(" must be an integer >= {}", min)
                         : fmt::format(" must be an integer from {} to {}", min, max)));
            out = static_cast<Int>(v->as_integer());
        }
    }
    // A string or a list of strings; an empty list only where allow_empty says so.
    void strings(const std::string& key, std::vector<std::string>& out, bool allow_empty = false);
    // A CURVE key in Z85 text (40 characters).
    void key(const std::string& key, std::string& out);
    // A sub-table of keys by name, such as [security.nodes]: name = "KEY", or name = ["KEY",
    // ...] while a key is being replaced (the old one and the new one both admitted).
    void key_table(const std::string& key, std::map<std::string, std::string>& key_to_name);

    // Appends a warning for each key of the table no reader asked for.
    void warn_unknown(std::vector<std::string>& warnings) const;

  private:
    TomlTable(std::string name, std::string file)
        : name_(std::move(name)), file_(std::move(file)) {}
    std::string name_;
    std::string file_;
    const toml::value* table_ = nullptr;
    std::set<std::string> known_;
};

// Appends a warning for each top-level key of `root` not in `tables`.
void warn_unknown_tables(const toml::value& root, const std::set<std::string>& tables,
                         const std::string& file, std::vector<std::string>& warnings);

// Runs fn and turns a toml11 type error that escapes it into a one-line ConfigError.
void toml_guarded(const std::string& file, const std::function<void()>& fn);

} // namespace om
