// HugeText: anonymous mappings, 2 MiB aligned and advised as huge pages when that large.
#include "huge_text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <sys/mman.h>

namespace om {

namespace {

constexpr std::size_t kHugePage = 2 * 1024 * 1024;
constexpr std::size_t kPage = 4096;

// The bytes a mapping of `n` takes: whole huge pages from one on, else whole pages.
std::size_t mapped_size(std::size_t n) {
    const std::size_t unit = n >= kHugePage ? kHugePage : kPage;
    return (std::max<std::size_t>(n, 1) + unit - 1) / unit * unit;
}

// A mapping of mapped_size(n) bytes; from 2 MiB on, aligned to 2 MiB (the kernel gives a
// huge page only to an aligned 2 MiB range) and advised as huge pages.
char* map(std::size_t n) {
    const std::size_t size = mapped_size(n);
    if (size < kHugePage) {
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        return static_cast<char*>(p);
    }
    // Over-map by one huge page, then give back what lies outside the aligned range.
    void* p =
        mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    const auto aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) munmap(p, aligned - start);
    const std::size_t tail = kHugePage - (aligned - start);
    if (tail > 0) munmap(reinterpret_cast<char*>(aligned + size), tail);
    (void)madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE); // a hint
    return reinterpret_cast<char*>(aligned);
}

// Unmaps a mapping of `mapped` bytes (a mapped_size()); nothing for nullptr.
void unmap(char* p, std::size_t mapped) {
    if (p) munmap(p, mapped);
}

} // namespace

HugeText::HugeText(std::size_t capacity) : data_(map(capacity)), capacity_(mapped_size(capacity)) {}

HugeText::~HugeText() {
    unmap(data_, capacity_);
}

HugeText::HugeText(HugeText&& other) noexcept
    : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
}

HugeText& HugeText::operator+=(std::string_view s) {
    if (s.empty()) return *this; // memcpy may not be given a null pointer, even for nothing
    if (size_ + s.size() > capacity_) grow(std::max(size_ + s.size(), capacity_ * 2));
    std::memcpy(data_ + size_, s.data(), s.size());
    size_ += s.size();
    return *this;
}

void HugeText::grow(std::size_t need) {
    char* p = map(need);
    if (size_ > 0) std::memcpy(p, data_, size_);
    unmap(data_, capacity_);
    data_ = p;
    capacity_ = mapped_size(need);
}

zmq::message_t HugeText::to_message() {
    // libzmq's free function gets the data pointer and, as its hint, the mapping's size.
    zmq::message_t m(
        data_, size_,
        [](void* data, void* hint) { munmap(data, reinterpret_cast<std::uintptr_t>(hint)); },
        reinterpret_cast<void*>(static_cast<std::uintptr_t>(capacity_)));
    data_ = nullptr;
    size_ = capacity_ = 0;
    return m;
}

} // namespace om
