// HugeText: a text of many MiB (a snapshot of a large cluster) written in place in its own
// mapping, then sent as a ZeroMQ frame without a copy. From 2 MiB on, the mapping is
// aligned and advised as transparent huge pages: a 28 MiB text then takes 14 page faults
// where malloc's 4 KiB pages take about 7,000. Writing a snapshot of 10,000 nodes took half
// the time it took in a malloc'd buffer (docs/performance.md, "The snapshot's text").
#pragma once

#include <cstddef>
#include <string_view>
#include <zmq.hpp>

namespace om {

class HugeText {
  public:
    // An empty text with room for `capacity` bytes before it grows.
    explicit HugeText(std::size_t capacity);
    ~HugeText();
    HugeText(HugeText&& other) noexcept;
    HugeText& operator=(HugeText&&) = delete;
    HugeText(const HugeText&) = delete;
    HugeText& operator=(const HugeText&) = delete;

    HugeText& operator+=(std::string_view s);
    HugeText& operator+=(char c) { return *this += std::string_view(&c, 1); }

    std::string_view view() const { return {data_, size_}; }
    std::size_t size() const { return size_; }

    // A message that owns the text (unmapped when libzmq closes its last copy, on whichever
    // thread); the text is left empty, with no room.
    zmq::message_t to_message();

  private:
    // Moves the text to a mapping of at least `need` bytes.
    void grow(std::size_t need);

    char* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
};

} // namespace om
