#pragma once
// The one error hierarchy of egress. The engine throws; only the command line maps errors to
// exit statuses (InputError -> 2, everything else -> 1) and prints them.
#include <stdexcept>
#include <string>

namespace egress {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Bad input: a parameter or model file, a --set override, a command-line value.
/// Carries the place so the user can jump to it; line/column are 1-based, 0 when unknown.
class InputError : public Error {
public:
    InputError(std::string file, int line, int column, std::string message)
        : Error(format(file, line, column, message)), file_(std::move(file)), line_(line),
          column_(column), message_(std::move(message)) {}

    const std::string& file() const { return file_; }
    int line() const { return line_; }
    int column() const { return column_; }
    const std::string& message() const { return message_; }

private:
    static std::string format(const std::string& file, int line, int column, const std::string& msg) {
        std::string where;
        if (!file.empty()) {
            where = file;
            if (line > 0) where += ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
            where += ": ";
        }
        return where + "error: " + msg;
    }
    std::string file_;
    int line_ = 0;
    int column_ = 0;
    std::string message_;
};

/// A numerical failure during a run (stepper could not meet its tolerance, non-finite state).
class SolverError : public Error {
public:
    using Error::Error;
};

/// Reading or writing a result file failed.
class IoError : public Error {
public:
    using Error::Error;
};

}  // namespace egress
