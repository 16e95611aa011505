#pragma once
// Reading numbers out of JSON that anyone may have edited (run cards, bundle manifests): a value of the wrong type or
// out of the range of the C++ type is absent, never an exception and never undefined behaviour (nlohmann's get<int>
// of 1e300 is a float-to-integer overflow).
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera {

template <typename T>
std::optional<T> jsonAs(const nlohmann::json& v) {
    if constexpr (std::is_same_v<T, bool>) {
        if (v.is_boolean()) return v.get<bool>();
        return std::nullopt;
    } else if constexpr (std::is_integral_v<T>) {
        using Limits = std::numeric_limits<T>;
        if (v.is_number_unsigned()) {
            const auto u = v.get<uint64_t>();
            if (u <= uint64_t(Limits::max())) return T(u);
        } else if (v.is_number_integer()) {
            const auto i = v.get<int64_t>();
            if (i >= int64_t(Limits::min()) && (i < 0 || uint64_t(i) <= uint64_t(Limits::max()))) return T(i);
        } else if (v.is_number_float()) {
            const double d = v.get<double>();
            // Both bounds as doubles: max() of a 64-bit type rounds up, so the upper test is strict.
            if (std::isfinite(d) && d == std::trunc(d) && d >= double(Limits::min()) && d < double(Limits::max()))
                return T(d);
        }
        return std::nullopt;
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!v.is_number()) return std::nullopt;
        const double d = v.get<double>();
        if (std::fabs(d) <= double(std::numeric_limits<T>::max())) return T(d);  // 1e300 does not fit a float
        return std::nullopt;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (v.is_string()) return v.get<std::string>();
        return std::nullopt;
    } else {  // std::vector<U>, nested as deep as U is
        if (!v.is_array()) return std::nullopt;
        T out;
        for (const auto& element : v) {
            auto e = jsonAs<typename T::value_type>(element);
            if (!e) return std::nullopt;
            out.push_back(std::move(*e));
        }
        return out;
    }
}

// object[key] as T, or `fallback` when the key is missing or its value does not fit T.
template <typename T>
T jsonValueOr(const nlohmann::json& object, const char* key, T fallback) {
    if (!object.is_object()) return fallback;
    const auto it = object.find(key);
    if (it == object.end()) return fallback;
    return jsonAs<T>(*it).value_or(std::move(fallback));
}

}  // namespace tessera
