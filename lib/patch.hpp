// Patches: the specification's operations `[[path], value]` (set) and `[[path]]` (delete),
// applied in place, and the diff of two full documents into such operations.
#pragma once

#include "json_path.hpp"

#include <optional>
#include <vector>

namespace om {

// One patch operation: set `path` to `value`, or delete `path` when value is empty.
struct Op {
    Path path;
    std::optional<json> value;

    bool is_delete() const { return !value.has_value(); }
    bool operator==(const Op&) const = default;
};

using Ops = std::vector<Op>;

// Thrown when an operation cannot be applied or parsed; what() is one line naming the path.
struct PatchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Applies one operation in place. A set creates missing intermediate objects; on a list an
// index equal to the size appends. A delete of a missing path changes nothing. Descending
// through a scalar, or a list index out of range, throws PatchError and leaves doc as it was.
void apply_patch(json& doc, const Op& op);

// The same, moving the value into the document (op.path is left intact).
void apply_patch(json& doc, Op&& op);

// Applies every operation in order; stops at the first error, which it throws.
void apply_patch(json& doc, const Ops& ops);

// Returns the operations that turn `before` into `after` (reference: opensvc-v2.md §1.4):
// a changed leaf gives [path, value]; where the old value is missing or null, or its type
// differs, the whole new subtree is set; removed keys give [path]; list indexes removed from
// the end are deleted in reverse order. Walks both documents whole: for full datasets only.
Ops diff(const json& before, const json& after);

// Appends diff(before, after) with every path prefixed by `prefix`.
void diff_into(const json& before, const json& after, Path& prefix, Ops& out);

// Wire form: [[path...], value] or [[path...]].
json op_to_json(const Op& op);
json ops_to_json(const Ops& ops);
Op op_from_json(const json& j);
Ops ops_from_json(const json& j);

} // namespace om
