// Applying and computing patches over nlohmann JSON documents.
#include "patch.hpp"

#include <fmt/format.h>

#include <charconv>

namespace om {

namespace {

std::string where(const Op& op) {
    return to_dotted(op.path);
}

bool parse_index(const std::string& s, std::size_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// Returns the child of `node` for one path element, creating an object for a missing key
// when `create` is set. Returns nullptr for a missing child when not creating.
json* step(json& node, const PathElem& e, bool create, const Op& op) {
    if (node.is_null() && create) node = json::object();
    if (const auto* key = std::get_if<std::string>(&e)) {
        if (node.is_object()) {
            auto it = node.find(*key);
            if (it != node.end()) return &*it;
            if (!create) return nullptr;
            return &node[*key];
        }
        std::size_t idx;
        if (node.is_array() && parse_index(*key, idx)) {
            if (idx < node.size()) return &node[idx];
            if (!create) return nullptr;
            throw PatchError("patch " + where(op) + ": list index " + *key + " out of range");
        }
        if (!create) return nullptr;
        throw PatchError("patch " + where(op) + ": cannot set key '" + *key + "' inside a " +
                         node.type_name());
    }
    const auto idx = std::get<std::size_t>(e);
    if (!node.is_array()) {
        if (!create) return nullptr;
        throw PatchError(
            fmt::format("patch {}: list index {} into a {}", where(op), idx, node.type_name()));
    }
    if (idx < node.size()) return &node[idx];
    if (!create) return nullptr;
    throw PatchError(fmt::format("patch {}: list index {} out of range", where(op), idx));
}

void set_last(json& parent, const PathElem& e, json&& value, const Op& op) {
    if (parent.is_null()) parent = json::object();
    if (const auto* key = std::get_if<std::string>(&e)) {
        if (parent.is_object()) {
            parent[*key] = std::move(value);
            return;
        }
        std::size_t idx;
        if (parent.is_array() && parse_index(*key, idx)) {
            if (idx < parent.size()) {
                parent[idx] = std::move(value);
                return;
            }
            if (idx == parent.size()) {
                parent.push_back(std::move(value));
                return;
            }
            throw PatchError("patch " + where(op) + ": list index " + *key + " out of range");
        }
        throw PatchError("patch " + where(op) + ": cannot set key '" + *key + "' inside a " +
                         parent.type_name());
    }
    const auto idx = std::get<std::size_t>(e);
    if (!parent.is_array())
        throw PatchError(
            fmt::format("patch {}: list index {} into a {}", where(op), idx, parent.type_name()));
    if (idx < parent.size())
        parent[idx] = std::move(value);
    else if (idx == parent.size())
        parent.push_back(std::move(value));
    else
        throw PatchError(fmt::format("patch {}: list index {} out of range", where(op), idx));
}

void erase_last(json& parent, const PathElem& e) {
    if (const auto* key = std::get_if<std::string>(&e)) {
        if (parent.is_object()) {
            parent.erase(*key);
            return;
        }
        std::size_t idx;
        if (parent.is_array() && parse_index(*key, idx) && idx < parent.size()) parent.erase(idx);
        return;
    }
    const auto idx = std::get<std::size_t>(e);
    if (parent.is_array() && idx < parent.size()) parent.erase(idx);
}

} // namespace

namespace {
// Applies op, taking the value to set from `value` (moved from); see apply_patch.
void apply_core(json& doc, const Op& op, json&& value) {
    if (op.path.empty()) {
        doc = op.value ? std::move(value) : json(nullptr);
        return;
    }
    const bool create = !op.is_delete();
    // Check the walk first, so a failing set leaves no half-created objects behind.
    if (create) {
        // From this element on, the walk goes through objects it creates (below a missing
        // key or in place of a null), where only keys can follow.
        std::size_t fresh = op.path.size();
        const json* cur = &doc;
        for (std::size_t i = 0; i + 1 < op.path.size() && cur; ++i) {
            const auto& e = op.path[i];
            if (cur->is_null()) {
                fresh = i;
                break;
            }
            if (cur->is_object()) {
                const auto* key = std::get_if<std::string>(&e);
                if (!key) throw PatchError("patch " + where(op) + ": list index into an object");
                auto it = cur->find(*key);
                cur = it == cur->end() ? nullptr : &*it;
                if (!cur) fresh = i + 1;
            } else if (cur->is_array()) {
                std::size_t idx;
                if (const auto* key = std::get_if<std::string>(&e)) {
                    if (!parse_index(*key, idx))
                        throw PatchError("patch " + where(op) + ": key '" + *key +
                                         "' inside a list");
                } else {
                    idx = std::get<std::size_t>(e);
                }
                if (idx >= cur->size())
                    throw PatchError(
                        fmt::format("patch {}: list index {} out of range", where(op), idx));
                cur = &(*cur)[idx];
            } else {
                throw PatchError("patch " + where(op) + ": cannot descend into a " +
                                 cur->type_name());
            }
        }
        if (cur && cur->is_null() && fresh == op.path.size()) fresh = op.path.size() - 1;
        for (std::size_t i = fresh; i < op.path.size(); ++i)
            if (const auto* idx = std::get_if<std::size_t>(&op.path[i]))
                throw PatchError(
                    fmt::format("patch {}: list index {} below a missing key", where(op), *idx));
    }
    json* parent = &doc;
    for (std::size_t i = 0; i + 1 < op.path.size(); ++i) {
        parent = step(*parent, op.path[i], create, op);
        if (!parent) return; // delete below a missing path: nothing to do
    }
    if (create)
        set_last(*parent, op.path.back(), std::move(value), op);
    else
        erase_last(*parent, op.path.back());
}

} // namespace

void apply_patch(json& doc, const Op& op) {
    apply_core(doc, op, op.value ? json(*op.value) : json());
}

void apply_patch(json& doc, Op&& op) {
    json value = op.value ? std::move(*op.value) : json();
    apply_core(doc, op, std::move(value));
    if (op.value) *op.value = nullptr; // moved into the document
}

void apply_patch(json& doc, const Ops& ops) {
    for (const auto& op : ops)
        apply_patch(doc, op);
}

void diff_into(const json& before, const json& after, Path& prefix, Ops& out) {
    if (before.is_object() && after.is_object()) {
        for (auto it = after.begin(); it != after.end(); ++it) {
            prefix.emplace_back(it.key());
            auto old = before.find(it.key());
            if (old == before.end() || (old->is_null() && !it.value().is_null()))
                out.push_back({prefix, it.value()});
            else
                diff_into(*old, it.value(), prefix, out);
            prefix.pop_back();
        }
        for (auto it = before.begin(); it != before.end(); ++it) {
            if (!after.contains(it.key())) {
                prefix.emplace_back(it.key());
                out.push_back({prefix, std::nullopt});
                prefix.pop_back();
            }
        }
        return;
    }
    if (before.is_array() && after.is_array()) {
        const auto common = std::min(before.size(), after.size());
        for (std::size_t i = 0; i < common; ++i) {
            prefix.emplace_back(i);
            if (before[i].is_null() && !after[i].is_null())
                out.push_back({prefix, after[i]});
            else
                diff_into(before[i], after[i], prefix, out);
            prefix.pop_back();
        }
        for (std::size_t i = common; i < after.size(); ++i) {
            prefix.emplace_back(i);
            out.push_back({prefix, after[i]});
            prefix.pop_back();
        }
        for (std::size_t i = before.size(); i > after.size(); --i) {
            prefix.emplace_back(i - 1);
            out.push_back({prefix, std::nullopt});
            prefix.pop_back();
        }
        return;
    }
    if (before != after) out.push_back({prefix, after});
}

Ops diff(const json& before, const json& after) {
    Ops out;
    Path prefix;
    diff_into(before, after, prefix, out);
    return out;
}

json op_to_json(const Op& op) {
    json j = json::array({path_to_json(op.path)});
    if (op.value) j.push_back(*op.value);
    return j;
}

json ops_to_json(const Ops& ops) {
    json j = json::array();
    for (const auto& op : ops)
        j.push_back(op_to_json(op));
    return j;
}

Op op_from_json(const json& j) {
    if (!j.is_array() || j.empty() || j.size() > 2)
        throw PatchError("patch op " + j.dump() + ": expected [path] or [path, value]");
    Op op;
    try {
        op.path = path_from_json(j[0]);
    } catch (const PathError& e) {
        throw PatchError(std::string("patch op: ") + e.what());
    }
    if (j.size() == 2) op.value = j[1];
    return op;
}

Ops ops_from_json(const json& j) {
    if (!j.is_array())
        throw PatchError("patch: expected a list of ops, got " + std::string(j.type_name()));
    Ops ops;
    ops.reserve(j.size());
    for (const auto& e : j)
        ops.push_back(op_from_json(e));
    return ops;
}

} // namespace om
