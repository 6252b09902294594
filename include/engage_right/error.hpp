#pragma once
/// @file error.hpp
/// Exception types. Every error thrown by the library derives from
/// engage_right::error.

#include <cstddef>
#include <stdexcept>
#include <string>

#if defined(_WIN32)
#define ENGAGE_RIGHT_VISIBLE
#else
// Exceptions must keep default visibility so that they can be caught across
// shared-object boundaries (e.g. inside a Python extension module).
#define ENGAGE_RIGHT_VISIBLE __attribute__((visibility("default")))
#endif

namespace engage_right {

/// Base class of every exception thrown by the library.
class ENGAGE_RIGHT_VISIBLE error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Malformed input data. The message reads "FILE:LINE:COLUMN: what was
/// expected"; the parts are also available separately. Line and column are
/// 1-based; the column counts bytes from the start of the line and is 0 when
/// the error concerns a whole line or file (e.g. an empty file).
class ENGAGE_RIGHT_VISIBLE input_error : public error {
public:
    input_error(std::string file, std::size_t line, std::size_t column, const std::string& what);

    /// File name (or "<memory>" style label) the error was found in.
    const std::string& file() const noexcept { return file_; }
    /// 1-based line number.
    std::size_t line() const noexcept { return line_; }
    /// 1-based byte column within the line; 0 when the error concerns the whole line.
    std::size_t column() const noexcept { return column_; }
    /// The explanation without the location prefix.
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string file_;
    std::size_t line_;
    std::size_t column_;
    std::string detail_;
};

/// Invalid configuration: journey definition, weights, options.
class ENGAGE_RIGHT_VISIBLE config_error : public error {
public:
    using error::error;
};

/// A member id (or other key) that does not exist.
class ENGAGE_RIGHT_VISIBLE not_found_error : public error {
public:
    using error::error;
};

}  // namespace engage_right
