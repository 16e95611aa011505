#pragma once
// Result type for expected failures (bad file, bad weights, user cancel): holds a value or a message that names
// the file and what was wrong. The core never throws these across its public API; callers test ok().
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace tessera {

struct Error {
    std::string message;
};

inline Error makeError(std::string message) { return Error{std::move(message)}; }

template <class T>
class Expected {
public:
    Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Expected(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { check(); return std::get<0>(v_); }
    const T& value() const& { check(); return std::get<0>(v_); }
    // By value: a reference into a temporary result would dangle in `for (auto& x : f().value())`.
    T value() && { check(); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const std::string& error() const {
        if (ok()) throw std::logic_error("Expected::error() called on a value");
        return std::get<1>(v_).message;
    }
    // Forward the error into a result of another type.
    Error takeError() const { return Error{error()}; }

private:
    void check() const {
        if (!ok()) throw std::logic_error("Expected::value() called on an error: " + std::get<1>(v_).message);
    }
    std::variant<T, Error> v_;
};

template <>
class Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : ok_(false), message_(std::move(error.message)) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const std::string& error() const { return message_; }
    Error takeError() const { return Error{message_}; }

private:
    bool ok_ = true;
    std::string message_;
};

using Status = Expected<void>;

}  // namespace tessera
