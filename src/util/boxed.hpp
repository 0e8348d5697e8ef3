// An optional value kept on the heap, with the value semantics of std::optional.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace mailsync {

// For the large, often absent parts of a resource (its login, an OAuth2 or administrator login):
// a configuration of 100,000 resources then does not carry room for every kind of login in each
// one, and moving a resource moves a pointer.
template <typename T> class Boxed {
public:
    Boxed() = default;
    Boxed(std::nullopt_t) {} // NOLINT(google-explicit-constructor): as std::optional
    Boxed(T value) : m_value(std::make_unique<T>(std::move(value))) {} // NOLINT: as std::optional
    Boxed(const Boxed& other) : m_value(other ? std::make_unique<T>(*other) : nullptr) {}
    Boxed(Boxed&&) noexcept = default;
    ~Boxed() = default;

    Boxed& operator=(const Boxed& other) {
        if (this != &other)
            m_value = other ? std::make_unique<T>(*other) : nullptr;
        return *this;
    }
    Boxed& operator=(Boxed&&) noexcept = default;
    Boxed& operator=(T value) {
        m_value = std::make_unique<T>(std::move(value));
        return *this;
    }
    Boxed& operator=(std::nullopt_t) {
        m_value.reset();
        return *this;
    }

    template <typename... Args> T& emplace(Args&&... args) {
        m_value = std::make_unique<T>(std::forward<Args>(args)...);
        return *m_value;
    }
    void reset() { m_value.reset(); }

    bool has_value() const { return m_value != nullptr; }
    explicit operator bool() const { return m_value != nullptr; }

    T& operator*() { return *m_value; }
    const T& operator*() const { return *m_value; }
    T* get() { return m_value.get(); }
    const T* get() const { return m_value.get(); }
    T* operator->() { return m_value.get(); }
    const T* operator->() const { return m_value.get(); }
    T& value() {
        if (!m_value)
            throw std::bad_optional_access();
        return *m_value;
    }
    const T& value() const {
        if (!m_value)
            throw std::bad_optional_access();
        return *m_value;
    }

private:
    std::unique_ptr<T> m_value;
};

} // namespace mailsync
